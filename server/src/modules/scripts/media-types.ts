export interface MediaType {
  contentType: string;
  extension: string;
  kind: 'image' | 'audio' | 'video' | 'document';
}

const ascii = (buf: Buffer, start: number, end: number) => buf.subarray(start, end).toString('latin1');

/**
 * An MPEG audio frame header: 11 sync bits, then a version, layer, bitrate and sample rate that
 * are not the reserved values. (A UTF-16 byte-order mark, FF FE, fails this.)
 */
function isMpegFrame(head: Buffer): boolean {
  const [b0, b1, b2] = [head[0]!, head[1]!, head[2]!];
  if (b0 !== 0xff || (b1 & 0xe0) !== 0xe0) return false;
  const version = (b1 >> 3) & 3;
  const layer = (b1 >> 1) & 3;
  const bitrate = b2 >> 4;
  const sampleRate = (b2 >> 2) & 3;
  return version !== 1 && layer !== 0 && bitrate !== 0 && bitrate !== 15 && sampleRate !== 3 && !(b1 === 0xfe);
}

/**
 * Recognises an upload from its first bytes, never from the name or type the client sent.
 * Only raster images and audio are accepted: nothing a browser would run (no SVG, no HTML).
 */
export function sniffMediaType(head: Buffer): MediaType | undefined {
  if (head.length < 4) return undefined;
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { contentType: 'image/png', extension: 'png', kind: 'image' };
  }
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { contentType: 'image/jpeg', extension: 'jpg', kind: 'image' };
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return { contentType: 'image/gif', extension: 'gif', kind: 'image' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return { contentType: 'image/webp', extension: 'webp', kind: 'image' };
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WAVE') return { contentType: 'audio/wav', extension: 'wav', kind: 'audio' };
  if (ascii(head, 0, 4) === 'OggS') return { contentType: 'audio/ogg', extension: 'ogg', kind: 'audio' };
  if (ascii(head, 0, 4) === 'fLaC') return { contentType: 'audio/flac', extension: 'flac', kind: 'audio' };
  if (ascii(head, 0, 3) === 'ID3' || isMpegFrame(head)) {
    return { contentType: 'audio/mpeg', extension: 'mp3', kind: 'audio' };
  }
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp' && ['M4A ', 'M4B '].includes(ascii(head, 8, 12))) {
    return { contentType: 'audio/mp4', extension: 'm4a', kind: 'audio' };
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return { contentType: 'audio/webm', extension: 'webm', kind: 'audio' };
  }
  return undefined;
}

export const acceptedMediaTypes = 'PNG, JPEG, GIF, WebP images; MP3, WAV, OGG, FLAC, M4A, WebM audio';

/**
 * Files attached to a session (recordings, screenshots, exports): the media above, plus video
 * (MP4, QuickTime, WebM read as video) and PDF. Still nothing a browser would run.
 */
export function sniffSessionFile(head: Buffer): MediaType | undefined {
  if (head.length >= 5 && ascii(head, 0, 5) === '%PDF-') return { contentType: 'application/pdf', extension: 'pdf', kind: 'document' };
  if (head.length >= 12 && ascii(head, 4, 8) === 'ftyp') {
    const brand = ascii(head, 8, 12);
    if (brand === 'qt  ') return { contentType: 'video/quicktime', extension: 'mov', kind: 'video' };
    if (!['M4A ', 'M4B '].includes(brand)) return { contentType: 'video/mp4', extension: 'mp4', kind: 'video' };
  }
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) {
    return { contentType: 'video/webm', extension: 'webm', kind: 'video' };
  }
  return sniffMediaType(head);
}

export const acceptedSessionFileTypes = 'PDF; MP4, MOV, WebM video; ' + acceptedMediaTypes;
