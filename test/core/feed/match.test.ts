/**
 * Which release to offer a connected device: matching by board (Zephyr
 * qualifiers too) and Bluetooth name prefix, channel, minVersion, and never
 * an older one unless asked.
 */
import { describe, expect, it } from 'vitest';
import {
  matchingReleases,
  parseFeed,
  proposeRelease,
  type DeviceIdentity,
  type Feed,
} from '../../../src/core/feed/index.ts';
import { bytes, feedDoc, release } from './fixtures.ts';

function feedOf(...releases: Record<string, unknown>[]): Feed {
  return parseFeed(bytes(feedDoc({ releases })));
}

const device = (over: Partial<DeviceIdentity> = {}): DeviceIdentity => ({
  board: 'nrf52840dk',
  name: 'Sensor-0042',
  runningVersion: '1.0.0',
  ...over,
});

const versions = (choices: { release: { version: string } }[]) =>
  choices.map((c) => c.release.version);

describe('matchingReleases', () => {
  const feed = feedOf(
    release({ version: '1.0.0+0' }),
    release({ version: '1.2.0+0' }),
    release({ version: '0.9.0+0' }),
    release({ version: '1.1.0+0', match: { board: 'nrf52840dk/nrf52840' } }),
    release({ version: '3.0.0+0', match: { board: 'nrf5340dk' } }),
    release({ version: '2.0.0+0', match: { bleNamePrefix: 'Sensor-' } }),
    release({ version: '2.1.0+0', match: { board: 'nrf52840dk', bleNamePrefix: 'Gateway-' } }),
  );

  it('fits board names exactly, or by the part before a Zephyr qualifier', () => {
    expect(versions(matchingReleases(feed, device({ name: null })))).toEqual([
      '1.2.0+0',
      '1.0.0+0',
      '0.9.0+0',
    ]);
    expect(
      versions(matchingReleases(feed, device({ board: 'nrf52840dk/nrf52840', name: null }))),
    ).toEqual(['1.2.0+0', '1.1.0+0', '1.0.0+0', '0.9.0+0']);
    // A qualified release does not fit a board reported without the qualifier, nor a prefix of the name.
    expect(matchingReleases(feed, device({ board: 'nrf52840', name: null }))).toEqual([]);
    expect(matchingReleases(feed, device({ board: 'nrf52840dk2', name: null }))).toEqual([]);
  });

  it('fits Bluetooth names by prefix, and needs every criterion of a release to fit', () => {
    expect(versions(matchingReleases(feed, device({ board: null })))).toEqual(['2.0.0+0']);
    expect(versions(matchingReleases(feed, device({ name: 'Gateway-1' })))).toEqual([
      '2.1.0+0',
      '1.2.0+0',
      '1.0.0+0',
      '0.9.0+0',
    ]);
    expect(matchingReleases(feed, device({ board: null, name: 'sensor-1' }))).toEqual([]);
  });

  it('sorts newest first, build numbers included, with the relation to the running version', () => {
    const builds = feedOf(
      release({ version: '1.0.0+1' }),
      release({ version: '1.0.0+3' }),
      release({ version: '1.0.0+2' }),
    );
    const choices = matchingReleases(builds, device({ runningVersion: '1.0.0.2' }));
    expect(choices.map((c) => [c.release.version, c.relation])).toEqual([
      ['1.0.0+3', 'newer'],
      ['1.0.0+2', 'same'],
      ['1.0.0+1', 'older'],
    ]);
    expect(matchingReleases(builds, device({ runningVersion: '1.0.0+2' }))[1]?.relation).toBe(
      'same',
    );
    expect(
      matchingReleases(builds, device({ runningVersion: null })).map((c) => c.relation),
    ).toEqual(['unknown', 'unknown', 'unknown']);
    expect(matchingReleases(builds, device({ runningVersion: 'garbage' }))[0]?.relation).toBe(
      'unknown',
    );
  });

  it('filters by channel when asked, and lists all channels otherwise', () => {
    const channels = feedOf(
      release({ version: '1.1.0', channel: 'stable' }),
      release({ version: '1.2.0', channel: 'beta' }),
    );
    expect(versions(matchingReleases(channels, device()))).toEqual(['1.2.0', '1.1.0']);
    expect(versions(matchingReleases(channels, device(), { channel: 'stable' }))).toEqual([
      '1.1.0',
    ]);
    expect(matchingReleases(channels, device(), { channel: 'nightly' })).toEqual([]);
  });
});

describe('proposeRelease', () => {
  it('proposes the newest matching release newer than the running one', () => {
    const feed = feedOf(
      release({ version: '1.1.0' }),
      release({ version: '1.3.0' }),
      release({ version: '9.0.0', match: { board: 'other' } }),
    );
    expect(proposeRelease(feed, device())).toMatchObject({
      release: { version: '1.3.0' },
      relation: 'newer',
    });
  });

  it('never proposes an older or the same version unless asked', () => {
    const feed = feedOf(release({ version: '0.9.0' }), release({ version: '1.0.0' }));
    expect(proposeRelease(feed, device())).toBeNull();
    expect(proposeRelease(feed, device({ runningVersion: '1.0.0+0' }))).toBeNull();
    expect(proposeRelease(feed, device(), { allowOlder: true })).toMatchObject({
      release: { version: '0.9.0' },
      relation: 'older',
    });
    // allowOlder still prefers a newer one when there is one.
    const both = feedOf(release({ version: '0.9.0' }), release({ version: '1.5.0' }));
    expect(proposeRelease(both, device(), { allowOlder: true })?.release.version).toBe('1.5.0');
  });

  it('skips releases whose minVersion the device does not meet', () => {
    const feed = feedOf(
      release({ version: '2.0.0', minVersion: '1.5.0' }),
      release({ version: '1.5.0' }),
    );
    expect(proposeRelease(feed, device())?.release.version).toBe('1.5.0');
    expect(proposeRelease(feed, device({ runningVersion: '1.5.0' }))?.release.version).toBe(
      '2.0.0',
    );
    const only = feedOf(release({ version: '2.0.0', minVersion: '1.5.0' }));
    expect(proposeRelease(only, device())).toBeNull();
  });

  it('with the running version unknown: the newest matching, relation unknown, minVersion unprovable', () => {
    const feed = feedOf(
      release({ version: '1.0.0' }),
      release({ version: '0.9.0' }),
      release({ version: '2.0.0', minVersion: '1.0.0' }),
    );
    expect(proposeRelease(feed, device({ runningVersion: null }))).toMatchObject({
      release: { version: '1.0.0' },
      relation: 'unknown',
    });
  });

  it('honours the channel', () => {
    const feed = feedOf(
      release({ version: '1.1.0', channel: 'stable' }),
      release({ version: '1.2.0', channel: 'beta' }),
    );
    expect(proposeRelease(feed, device(), { channel: 'stable' })?.release.version).toBe('1.1.0');
    expect(proposeRelease(feed, device(), { channel: 'beta' })?.release.version).toBe('1.2.0');
  });

  it('returns null for a device nothing fits', () => {
    const feed = feedOf(release({ version: '5.0.0' }));
    expect(proposeRelease(feed, { board: null, name: null, runningVersion: '1.0.0' })).toBeNull();
  });
});
