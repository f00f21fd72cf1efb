import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { safeEqual } from '@npq/service-kit';

function derive(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'npq-console', purpose, 32));
}

const b64 = (b: Buffer): string => b.toString('base64url');

/**
 * The keys the console derives from CONSOLE_SESSION_SECRET (docs/console.md, "Sign-in and sessions"): one
 * signs the cookie, one encrypts the admin token kept in the session (so a copy of Redis holds no usable
 * token), one names operators in the audit log without naming them.
 */
export class SessionKeys {
  private readonly cookieKey: Buffer;
  private readonly tokenKey: Buffer;
  private readonly operatorKey: Buffer;

  constructor(secret: string) {
    this.cookieKey = derive(secret, 'cookie');
    this.tokenKey = derive(secret, 'token');
    this.operatorKey = derive(secret, 'operator');
  }

  /** A new random id (a session, a CSRF token): 256 bits. */
  static randomId(): string {
    return b64(randomBytes(32));
  }

  /** `id.signature`: the cookie's value. */
  sign(value: string): string {
    return `${value}.${b64(createHmac('sha256', this.cookieKey).update(value).digest())}`;
  }

  /** The value of a signed cookie, or undefined when the signature is wrong (tampered or another secret). */
  unsign(signed: string): string | undefined {
    const dot = signed.lastIndexOf('.');
    if (dot <= 0) return undefined;
    const value = signed.slice(0, dot);
    return safeEqual(this.sign(value), signed) ? value : undefined;
  }

  /** AES-256-GCM: iv, tag and ciphertext, base64url. */
  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.tokenKey, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return b64(Buffer.concat([iv, cipher.getAuthTag(), body]));
  }

  /** The sealed text, or undefined when it was not sealed with this secret. */
  open(sealed: string): string | undefined {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.tokenKey, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  /**
   * The operator as the audit log names them: a keyed digest of their credential, stable across sessions,
   * that reveals nothing (with an OIDC provider it becomes the subject).
   */
  operatorId(token: string): string {
    return `op_${createHmac('sha256', this.operatorKey).update(token).digest('hex').slice(0, 16)}`;
  }

  /** What the logs and the Redis key say of a session: a digest, never the id (a bearer credential). */
  static sessionRef(id: string): string {
    return createHash('sha256').update(id).digest('hex').slice(0, 16);
  }

  static storageId(id: string): string {
    return createHash('sha256').update(id).digest('hex');
  }
}
