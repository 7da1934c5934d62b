/**
 * The page: pick or drop a firmware image, see whether it is genuine before
 * anything else happens. Connecting and flashing come with the engine.
 * @module
 */
import { useState } from 'preact/hooks';
import {
  checkImageFile,
  fetchSample,
  pinnedKeys,
  type CheckedImage,
  type UnreadableImage,
} from '../app/image-check.ts';
import type { TrustedKey } from '../core/keys/index.ts';
import { DemoDevicePanel } from './DemoDevicePanel.tsx';
import { ImagePicker } from './ImagePicker.tsx';
import { KeyList } from './KeyList.tsx';
import { VerdictCard } from './VerdictCard.tsx';

export function App() {
  const [pinned] = useState(pinnedKeys);
  const [sessionKeys, setSessionKeys] = useState<TrustedKey[]>([]);
  const [result, setResult] = useState<CheckedImage | UnreadableImage | null>(null);
  const [checking, setChecking] = useState<string | null>(null);
  const keys = [...pinned, ...sessionKeys];

  async function check(file: File, withKeys = keys) {
    setChecking(file.name);
    try {
      setResult(await checkImageFile(file, withKeys));
    } finally {
      setChecking(null);
    }
  }

  return (
    <main class="page">
      <header class="brand">
        <h1>fieldflash</h1>
        <p>Check signed MCUboot firmware in your browser before it goes anywhere near a device.</p>
      </header>
      <ImagePicker
        onFile={(f) => void check(f)}
        onSample={() => void fetchSample().then((f) => check(f))}
        busy={checking}
      />
      <div role="status" aria-live="polite" aria-label="Verification result">
        {checking && <p class="checking">Checking {checking}…</p>}
        {!checking && result && <VerdictCard result={result} />}
      </div>
      <DemoDevicePanel />
      <KeyList
        pinned={pinned}
        session={sessionKeys}
        onAdd={(k) =>
          setSessionKeys((list) => [...list.filter((x) => x.fingerprint !== k.fingerprint), k])
        }
        onRemove={(k) => setSessionKeys((list) => list.filter((x) => x !== k))}
      />
    </main>
  );
}
