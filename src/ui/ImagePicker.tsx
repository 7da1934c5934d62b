/**
 * Pick a `.bin`/`.hex` firmware image with the file chooser, or drop it on the
 * zone. Keyboard users reach the chooser through its labelled button.
 * @module
 */
import { useState } from 'preact/hooks';

export interface ImagePickerProps {
  readonly onFile: (file: File) => void;
  /** Checks the bundled demo image, for a first look without a file at hand. */
  readonly onSample: () => void;
  readonly busy: string | null;
}

export function ImagePicker({ onFile, onSample, busy }: ImagePickerProps) {
  const [over, setOver] = useState(false);
  return (
    <section
      class={over ? 'drop drop-over' : 'drop'}
      aria-label="Firmware image"
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = e.dataTransfer?.files[0];
        if (file) onFile(file);
      }}
    >
      <p>Drop a signed firmware image (.bin or .hex) here, or</p>
      <label class="button">
        Choose firmware image
        <input
          type="file"
          accept=".bin,.hex,.img,.signed,application/octet-stream"
          disabled={busy !== null}
          onChange={(e) => {
            const input = e.currentTarget;
            const file = input.files?.[0];
            if (file) onFile(file);
            input.value = ''; // picking the same file again re-checks it
          }}
        />
      </label>{' '}
      <button type="button" class="button secondary" onClick={onSample} disabled={busy !== null}>
        Try the demo sample
      </button>
    </section>
  );
}
