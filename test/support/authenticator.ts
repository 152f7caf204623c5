/**
 * A software WebAuthn authenticator for worker tests: real P-256 keys (WebCrypto), a
 * CBOR-encoded attestation object of format "none", authenticator data with flags and a
 * signature counter, and DER-encoded ECDSA signatures, as a platform authenticator sends them.
 * Each knob a test needs to play an attacker (origin, RP id, flags, counter, another key) is an
 * option, so the server's checks are exercised on genuine bytes.
 */
import { fromBase64Url, toBase64Url } from "../../shared/base64url";

const encoder = new TextEncoder();

type Cbor = number | string | Uint8Array | Cbor[] | Map<number | string, Cbor>;

function head(major: number, value: number): number[] {
  if (value < 24) return [(major << 5) | value];
  if (value < 0x100) return [(major << 5) | 24, value];
  if (value < 0x10000) return [(major << 5) | 25, value >> 8, value & 0xff];
  return [(major << 5) | 26, (value >>> 24) & 0xff, (value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff];
}

/** A minimal CBOR encoder (RFC 8949): the types WebAuthn structures use. */
export function cbor(value: Cbor): Uint8Array {
  const out: number[] = [];
  const write = (v: Cbor) => {
    if (typeof v === "number") out.push(...(v >= 0 ? head(0, v) : head(1, -1 - v)));
    else if (typeof v === "string") {
      const bytes = encoder.encode(v);
      out.push(...head(3, bytes.length), ...bytes);
    } else if (v instanceof Uint8Array) out.push(...head(2, v.length), ...v);
    else if (Array.isArray(v)) {
      out.push(...head(4, v.length));
      for (const item of v) write(item);
    } else {
      out.push(...head(5, v.size));
      for (const [k, item] of v) {
        write(k);
        write(item);
      }
    }
  };
  write(value);
  return Uint8Array.from(out);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(bytes)));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** An ECDSA r||s signature (WebCrypto's form) as ASN.1 DER (what authenticators send). */
function derSignature(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let trimmed = bytes.subarray(i);
    if ((trimmed[0] ?? 0) & 0x80) trimmed = concat(Uint8Array.of(0), trimmed);
    return concat(Uint8Array.of(0x02, trimmed.length), trimmed);
  };
  const body = concat(integer(raw.subarray(0, 32)), integer(raw.subarray(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

/** One credential the authenticator holds. */
export interface SoftCredential {
  id: Uint8Array;
  keys: CryptoKeyPair;
  userHandle: string;
  rpId: string;
  counter: number;
}

export interface CeremonyOptions {
  /** The page's origin (default: the RP id over https). */
  origin?: string;
  /** The RP id whose hash the authenticator data carries (default: the options'). */
  rpId?: string;
  userVerified?: boolean;
  userPresent?: boolean;
  /** The client data type (default: the ceremony's). */
  type?: string;
  /** Answer this challenge instead of the options'. */
  challenge?: string;
}

export interface AssertOptions extends CeremonyOptions {
  /** The counter to report (default: the credential's, plus one). A counter of 0 stays 0. */
  counter?: number;
  /** Sign with this key instead of the credential's (a forged assertion). */
  signWith?: CryptoKey;
}

/** What `navigator.credentials.create()` needs of the options, as the server sends them. */
export interface CreationOptionsJSON {
  rp: { id: string; name: string };
  user: { id: string; name: string; displayName: string };
  challenge: string;
  excludeCredentials?: { id: string }[];
}

/** What `navigator.credentials.get()` needs of the options. */
export interface RequestOptionsJSON {
  challenge: string;
  rpId: string;
  allowCredentials?: { id: string }[];
}

function clientData(type: string, challenge: string, origin: string): Uint8Array {
  return encoder.encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

async function authenticatorData(
  rpId: string,
  flags: number,
  counter: number,
  attested?: Uint8Array,
): Promise<Uint8Array> {
  const count = Uint8Array.of(
    (counter >>> 24) & 0xff,
    (counter >> 16) & 0xff,
    (counter >> 8) & 0xff,
    counter & 0xff,
  );
  return concat(
    await sha256(encoder.encode(rpId)),
    Uint8Array.of(flags),
    count,
    attested ?? new Uint8Array(),
  );
}

function userFlags(o: CeremonyOptions): number {
  return (o.userPresent === false ? 0 : FLAG_UP) | (o.userVerified === false ? 0 : FLAG_UV);
}

/** A software authenticator holding discoverable P-256 credentials. */
export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];

  /** Answers registration options: makes a credential and returns RegistrationResponseJSON. */
  async register(
    options: CreationOptionsJSON,
    o: CeremonyOptions & { counter?: number; id?: Uint8Array } = {},
  ) {
    const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
      "sign",
      "verify",
    ])) as CryptoKeyPair;
    const jwk = (await crypto.subtle.exportKey("jwk", keys.publicKey)) as JsonWebKey;
    const coseKey = new Map<number, Cbor>([
      [1, 2],
      [3, -7],
      [-1, 1],
      [-2, fromBase64Url(jwk.x ?? "")],
      [-3, fromBase64Url(jwk.y ?? "")],
    ]);
    const id = o.id ?? crypto.getRandomValues(new Uint8Array(32));
    const counter = o.counter ?? 0;
    const attested = concat(new Uint8Array(16), Uint8Array.of(0, id.length), id, cbor(coseKey));
    const rpId = o.rpId ?? options.rp.id;
    const authData = await authenticatorData(rpId, userFlags(o) | FLAG_AT, counter, attested);
    const attestationObject = cbor(
      new Map<string, Cbor>([
        ["fmt", "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    const data = clientData(
      o.type ?? "webauthn.create",
      o.challenge ?? options.challenge,
      o.origin ?? `https://${options.rp.id}`,
    );
    const credential = { id, keys, userHandle: options.user.id, rpId: options.rp.id, counter };
    this.credentials.push(credential);
    const credentialId = toBase64Url(id);
    return {
      response: {
        id: credentialId,
        rawId: credentialId,
        type: "public-key" as const,
        response: {
          clientDataJSON: toBase64Url(data),
          attestationObject: toBase64Url(attestationObject),
          transports: ["internal"],
        },
        authenticatorAttachment: "platform",
        clientExtensionResults: { credProps: { rk: true } },
      },
      credential,
    };
  }

  /**
   * Answers request options with `credential` (default: the first one allowed, else the newest
   * this authenticator holds): AuthenticationResponseJSON.
   */
  async assert(options: RequestOptionsJSON, o: AssertOptions & { credential?: SoftCredential } = {}) {
    const allowed = options.allowCredentials?.map((d) => d.id);
    const credential =
      o.credential ??
      (allowed
        ? this.credentials.find((c) => allowed.includes(toBase64Url(c.id)))
        : this.credentials[this.credentials.length - 1]);
    if (!credential) throw new Error("the soft authenticator holds no credential for these options");
    const counter = o.counter ?? (credential.counter === 0 ? 0 : credential.counter + 1);
    credential.counter = counter;
    const authData = await authenticatorData(o.rpId ?? options.rpId, userFlags(o), counter);
    const data = clientData(
      o.type ?? "webauthn.get",
      o.challenge ?? options.challenge,
      o.origin ?? `https://${options.rpId}`,
    );
    const signed = concat(authData, await sha256(data));
    const raw = new Uint8Array(
      await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        o.signWith ?? credential.keys.privateKey,
        new Uint8Array(signed),
      ),
    );
    const credentialId = toBase64Url(credential.id);
    return {
      id: credentialId,
      rawId: credentialId,
      type: "public-key" as const,
      response: {
        clientDataJSON: toBase64Url(data),
        authenticatorData: toBase64Url(authData),
        signature: toBase64Url(derSignature(raw)),
        userHandle: credential.userHandle,
      },
      authenticatorAttachment: "platform",
      clientExtensionResults: {},
    };
  }
}
