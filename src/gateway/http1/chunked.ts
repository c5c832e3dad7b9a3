/**
 * Streaming chunked-coding decoder (RFC 9112 §7.1), strict: hex size without leading/trailing whitespace
 * (no BWS), extensions limited to field-value bytes and `maxExtensionBytes`, CRLF exactly (no bare CR/LF),
 * trailer lines validated like header lines and limited in size. It never buffers: data spans are reported
 * through `onData` as they arrive; the caller re-encodes them (request side: one normalised form, extensions
 * and trailers dropped) or forwards the raw bytes (response side: the decoder only finds the end).
 */
import { TCHAR, VALUE_BYTE } from './request-head.ts';

const SIZE = 0;
const SIZE_MORE = 1;
const EXT = 2;
const SIZE_LF = 3;
const DATA = 4;
const DATA_CR = 5;
const DATA_LF = 6;
const TRAILER_START = 7;
const TRAILER_NAME = 8;
const TRAILER_VALUE = 9;
const TRAILER_LF = 10;
const END_LF = 11;
const DONE = 12;

/** Hex digits accepted in a chunk size (13 digits = 2^52, still an exact JS integer). */
const MAX_SIZE_DIGITS = 13;
const MAX_EXTENSION_BYTES = 1024;

export type ChunkSink = (buf: Buffer, start: number, end: number) => void;

export class ChunkedDecoder {
  #state = SIZE;
  #size = 0;
  #digits = 0;
  #extBytes = 0;
  #trailerBytes = 0;
  #total = 0;
  readonly #maxBody: number;
  readonly #maxTrailer: number;
  /** Stable kind when `feed` returned -1 (`bad-chunk-size`, `body-too-large`, …). */
  error = '';
  /** 400, or 413 for `body-too-large`. */
  status = 400;

  constructor(maxBodyBytes: number, maxTrailerBytes: number) {
    this.#maxBody = maxBodyBytes;
    this.#maxTrailer = maxTrailerBytes;
  }

  get done(): boolean {
    return this.#state === DONE;
  }

  /** Decoded body bytes so far. */
  get total(): number {
    return this.#total;
  }

  reset(): void {
    this.#state = SIZE;
    this.#size = 0;
    this.#digits = 0;
    this.#extBytes = 0;
    this.#trailerBytes = 0;
    this.#total = 0;
    this.error = '';
    this.status = 400;
  }

  #fail(error: string, status = 400): number {
    this.error = error;
    this.status = status;
    return -1;
  }

  /**
   * Decodes `buf[start, end)`. Returns the index just past what belongs to the body (equal to `end` unless
   * the final CRLF was reached earlier: the rest is the next message), or -1 on error.
   */
  feed(buf: Buffer, start: number, end: number, onData: ChunkSink): number {
    let i = start;
    while (i < end) {
      const state = this.#state;
      if (state === DATA) {
        const take = Math.min(this.#size, end - i);
        onData(buf, i, i + take);
        i += take;
        this.#size -= take;
        if (this.#size === 0) this.#state = DATA_CR;
        continue;
      }
      const b = buf[i++]!;
      switch (state) {
        case SIZE:
        case SIZE_MORE: {
          const d = hexValue(b);
          if (d >= 0) {
            if (++this.#digits > MAX_SIZE_DIGITS) return this.#fail('bad-chunk-size');
            this.#size = this.#size * 16 + d;
            this.#state = SIZE_MORE;
            break;
          }
          if (state === SIZE) return this.#fail('bad-chunk-size');
          if (b === 59) this.#state = EXT;
          else if (b === 13) this.#state = SIZE_LF;
          else return this.#fail('bad-chunk-size');
          break;
        }
        case EXT:
          if (b === 13) this.#state = SIZE_LF;
          else if (VALUE_BYTE[b] !== 1) return this.#fail('bad-chunk-extension');
          else if (++this.#extBytes > MAX_EXTENSION_BYTES) return this.#fail('bad-chunk-extension');
          break;
        case SIZE_LF:
          if (b !== 10) return this.#fail('bare-cr');
          this.#digits = 0;
          this.#extBytes = 0;
          if (this.#size === 0) {
            this.#state = TRAILER_START;
          } else {
            this.#total += this.#size;
            if (this.#total > this.#maxBody) return this.#fail('body-too-large', 413);
            this.#state = DATA;
          }
          break;
        case DATA_CR:
          if (b !== 13) return this.#fail('bad-chunk-data');
          this.#state = DATA_LF;
          break;
        case DATA_LF:
          if (b !== 10) return this.#fail('bad-chunk-data');
          this.#size = 0;
          this.#state = SIZE;
          break;
        case TRAILER_START:
          if (b === 13) {
            this.#state = END_LF;
            break;
          }
          if (TCHAR[b] !== 1) return this.#fail(b === 32 || b === 9 ? 'obs-fold' : 'bad-trailer');
          if (++this.#trailerBytes > this.#maxTrailer) return this.#fail('trailer-too-large', 431);
          this.#state = TRAILER_NAME;
          break;
        case TRAILER_NAME:
          if (++this.#trailerBytes > this.#maxTrailer) return this.#fail('trailer-too-large', 431);
          if (b === 58) this.#state = TRAILER_VALUE;
          else if (TCHAR[b] !== 1) return this.#fail('bad-trailer');
          break;
        case TRAILER_VALUE:
          if (++this.#trailerBytes > this.#maxTrailer) return this.#fail('trailer-too-large', 431);
          if (b === 13) this.#state = TRAILER_LF;
          else if (VALUE_BYTE[b] !== 1) return this.#fail('bad-trailer');
          break;
        case TRAILER_LF:
          if (b !== 10) return this.#fail('bare-cr');
          this.#state = TRAILER_START;
          break;
        case END_LF:
          if (b !== 10) return this.#fail('bare-cr');
          this.#state = DONE;
          return i;
        default:
          return i - 1;
      }
    }
    return i;
  }
}

function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  const l = b | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}
