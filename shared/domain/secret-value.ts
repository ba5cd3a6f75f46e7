const redacted = "[redacted]";

/**
 * A secret value that cannot be printed by accident: String(), JSON.stringify, template literals and
 * util.inspect/console.log all show "[redacted]". The only way to the value is `reveal()`, which
 * adapters call at the moment they put it on the wire.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get length(): number {
    return this.#value.length;
  }

  equals(other: SecretValue): boolean {
    return this.#value === other.#value;
  }

  toString(): string {
    return redacted;
  }

  toJSON(): string {
    return redacted;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return redacted;
  }
}
