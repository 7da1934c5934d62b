/**
 * The root of every typed error fieldflash throws. Each subclass carries a
 * stable `code` (for logs, the CLI's JSON and the engine's `failed` event) and
 * a message written for the person holding the device, plus the data a
 * developer needs as fields. Callers branch on the class or `code`, never on
 * the message text.
 * @module
 */
export abstract class FieldflashError extends Error {
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
