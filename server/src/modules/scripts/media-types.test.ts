import { describe, expect, it } from 'vitest';
import { sniffMediaType } from './media-types.js';

const bytes = (...values: Array<number | string>) =>
  Buffer.concat(values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from([v]))));

describe('media type sniffing', () => {
  it('recognises accepted images and audio by their first bytes', () => {
    expect(sniffMediaType(bytes(0x89, 'PNG\r\n', 0x1a, '\n', 'rest'))?.contentType).toBe('image/png');
    expect(sniffMediaType(bytes(0xff, 0xd8, 0xff, 0xe0, 'JFIF'))?.contentType).toBe('image/jpeg');
    expect(sniffMediaType(bytes('GIF89a....'))?.contentType).toBe('image/gif');
    expect(sniffMediaType(bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '))?.contentType).toBe('image/webp');
    expect(sniffMediaType(bytes('RIFF', 0, 0, 0, 0, 'WAVEfmt '))?.contentType).toBe('audio/wav');
    expect(sniffMediaType(bytes('OggS', 0, 2))?.contentType).toBe('audio/ogg');
    expect(sniffMediaType(bytes('fLaC', 0))?.contentType).toBe('audio/flac');
    expect(sniffMediaType(bytes('ID3', 4, 0))?.contentType).toBe('audio/mpeg');
    // MPEG-1 Layer III, 128 kbit/s, 44.1 kHz
    expect(sniffMediaType(bytes(0xff, 0xfb, 0x90, 0x64))?.contentType).toBe('audio/mpeg');
    expect(sniffMediaType(bytes(0, 0, 0, 0x20, 'ftypM4A ', 0, 0))?.contentType).toBe('audio/mp4');
    expect(sniffMediaType(bytes(0x1a, 0x45, 0xdf, 0xa3, 0x9f))?.contentType).toBe('audio/webm');
  });

  it('refuses what a browser could run and what merely looks like audio', () => {
    expect(sniffMediaType(bytes('<svg xmlns="http://www.w3.org/2000/svg">'))).toBeUndefined();
    expect(sniffMediaType(bytes('<!doctype html><script>'))).toBeUndefined();
    expect(sniffMediaType(bytes('%PDF-1.7'))).toBeUndefined();
    // UTF-16 text starts FF FE: the sync bits match, the rest of an MPEG header does not.
    expect(sniffMediaType(bytes(0xff, 0xfe, 'h', 0, 'i', 0))).toBeUndefined();
    expect(sniffMediaType(bytes(0xff, 0xfb, 0xf0, 0x64))).toBeUndefined(); // bitrate index 15 is reserved
    expect(sniffMediaType(bytes(0, 0, 0, 0x20, 'ftypisom', 0, 0))).toBeUndefined(); // video MP4
    expect(sniffMediaType(bytes(1, 2))).toBeUndefined();
  });
});
