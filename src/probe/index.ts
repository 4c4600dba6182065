export { Capture, CaptureError, captureArgv, type CaptureDirection, type CaptureSpec } from './capture.ts';
export { decodeGeneve, geneveFrames, parsePcap, PcapError, GENEVE_PORT, LINKTYPE_ETHERNET, type GeneveFrame, type InnerPacket, type Pcap, type PcapPacket } from './pcap.ts';
export { arrivals, isProbeFrame, judge, observe, type Judgement, type ProbeExpectation, type ProbeNode, type ProbePf, type ProbeVerdict, type WireObservation } from './judge.ts';
export {
  captureFilter, DEFAULT_COUNT, DEFAULT_TIMEOUT_MS, ProbeError, requireRoot, runProbe, runProbes,
  type ProbeBatchOptions, type ProbeEndpoint, type ProbeOptions, type ProbePair, type ProbeResult,
} from './probe.ts';
export { formatProbe } from './format.ts';
export { echoRequestFrame, FrameError, hexOf, internetChecksum, type EchoRequest } from './frame.ts';
export { packetOutArgv, planNodeProbe, PROBE_ICMP_ID, runNodeProbe, type NodeProbeOptions, type NodeProbeResult } from './nodeProbe.ts';
