/**
 * The frames side of a transport: a ReadableStream fed by the transport's
 * receive path, closed (or errored) once, when the transport closes.
 * @module
 */
export class FrameQueue {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #done = false;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
    });
  }

  push(frame: Uint8Array): void {
    if (!this.#done) this.#controller.enqueue(frame);
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#controller.close();
  }
}
