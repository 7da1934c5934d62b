// Init script for the Web Bluetooth tests (../shared/research/browser-testing.md §1.2):
// CDP's BluetoothEmulation cannot push notifications, so the page's own subscribed
// characteristic is asked to readValue(); the fake peripheral answers the read with
// the notification bytes and Chromium fires a genuine 'characteristicvaluechanged'.
/* global BluetoothRemoteGATTCharacteristic */
(() => {
  const C = BluetoothRemoteGATTCharacteristic;
  const subs = new Map();
  const start = C.prototype.startNotifications;
  const stop = C.prototype.stopNotifications;
  C.prototype.startNotifications = async function () {
    const r = await start.call(this);
    if (!subs.has(this.uuid)) subs.set(this.uuid, new Set());
    subs.get(this.uuid).add(this);
    // The subscription dies with the link, as on real hardware.
    this.service.device.addEventListener(
      'gattserverdisconnected',
      () => subs.get(this.uuid).delete(this),
      { once: true },
    );
    return r;
  };
  C.prototype.stopNotifications = async function () {
    subs.get(this.uuid)?.delete(this);
    return stop.call(this);
  };
  globalThis.__btNotify = async (uuid) => {
    const ch = [...(subs.get(uuid) || [])].find((c) => c.service.device.gatt.connected);
    return ch
      ? ch.readValue().then(
          () => true,
          () => false,
        )
      : false;
  };
})();
