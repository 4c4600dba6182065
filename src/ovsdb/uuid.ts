import { OvsdbCodecError } from './errors.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const TRUSTED: unique symbol = Symbol('trusted');

/** A row UUID. Compare with `equals` or by `value` (instances are not interned). */
export class Uuid {
  readonly value: string;
  constructor(value: string, trust?: typeof TRUSTED) {
    if (trust !== TRUSTED && !UUID_RE.test(value)) throw new OvsdbCodecError(`not a UUID: '${value}'`, value);
    this.value = value;
  }
  /** Skips validation: for strings that came from the server (hot path of decoding). */
  static trusted(value: string): Uuid {
    return new Uuid(value, TRUSTED);
  }
  static isUuid(value: string): boolean {
    return UUID_RE.test(value);
  }
  equals(other: unknown): boolean {
    return other instanceof Uuid && other.value === this.value;
  }
  toString(): string {
    return this.value;
  }
  toJSON(): ['uuid', string] {
    return ['uuid', this.value];
  }
}

/** A row inserted earlier in the same transaction, referred to by name. */
export class NamedUuid {
  readonly name: string;
  constructor(name: string) {
    if (!NAME_RE.test(name)) throw new OvsdbCodecError(`not a valid named-uuid: '${name}'`, name);
    this.name = name;
  }
  toString(): string {
    return this.name;
  }
  toJSON(): ['named-uuid', string] {
    return ['named-uuid', this.name];
  }
}
