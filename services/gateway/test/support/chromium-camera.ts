import type { ChromiumSdkPage } from '@cascade/testing';

/** One encoding of a page's camera, cumulative, as the SDK's `getStats()` has it. */
export interface CameraEncoding {
  rid?: string;
  active?: boolean;
  bytesSent: number;
  packetsSent: number;
  frameWidth?: number;
  qualityLimitationReason?: string;
}

/**
 * The camera's encodings of the SDK in a Chromium page (`window.cascadePage.client`), lowest
 * layer first, and what its send transport's bandwidth estimator allows (bits per second).
 */
export function cameraEncodings(
  page: ChromiumSdkPage,
): Promise<{ encodings: CameraEncoding[]; bwe: number | undefined }> {
  return page.page.evaluate(`(async () => {
    const stats = await window.cascadePage.client.getStats();
    const camera = stats.local.find((t) => t.source === 'camera');
    const send = stats.transports.find((t) => t.direction === 'send');
    return JSON.parse(JSON.stringify({
      encodings: camera ? camera.encodings : [],
      bwe: send ? send.availableOutgoingBitrate : undefined,
    }));
  })()`);
}
