/**
 * Builds the CLI bundle (package.json `build:cli`, the one definition of it)
 * before the tests, so tests that spawn the real binary run the current
 * sources. npm ci's `prepare` builds it too.
 */
import { execFileSync } from 'node:child_process';

export default function setup(): void {
  execFileSync('npm', ['run', '--silent', 'build:cli'], { stdio: 'inherit' });
}
