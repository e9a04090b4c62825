import type { Readable } from 'node:stream';

export interface StoredFile {
  size: number;
  sha256: string;
  /** The first bytes, to recognise the file's real type. */
  head: Buffer;
}

/** Where uploaded files live. Keys are Parley's own (ids), never a client's file name. */
export interface FileStorage {
  write(key: string, source: Readable): Promise<StoredFile>;
  read(key: string): Readable;
  remove(key: string): Promise<void>;
}
