import { describe, expect, it } from "vitest";
import {
  CANCEL_REQUEST,
  encodeMessage,
  encodeStartup,
  errorMessageOf,
  errorResponse,
  MessageBoundaries,
  SSL_REQUEST,
  takeMessage,
  takeUntypedPacket,
} from "./pg-wire";
import { PasswordAuthenticator, ScramClient } from "./pg-wire-auth";

describe("SCRAM-SHA-256 client", () => {
  // The example exchange of RFC 7677, section 3 (user "user", password "pencil").
  const serverFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

  it("produces RFC 7677's client messages and accepts its server signature", () => {
    const scram = new ScramClient("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
    expect(scram.clientFirst()).toBe("n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    expect(scram.clientFinal(serverFirst)).toBe(
      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    );
    expect(() => scram.verifyServerFinal("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).not.toThrow();
  });

  it("rejects a wrong server signature and a nonce the client did not start", () => {
    const scram = new ScramClient("pencil", "rOprNGfwEbeRWgbNEkqO", "user");
    scram.clientFinal(serverFirst);
    expect(() => scram.verifyServerFinal("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")).toThrow(
      /signature/,
    );
    expect(() => new ScramClient("pencil", "other-nonce").clientFinal(serverFirst)).toThrow(/nonce/);
  });

  it("refuses to answer a password request when the backend has no password", () => {
    const md5Request = Buffer.from([0, 0, 0, 5, 1, 2, 3, 4]);
    expect(() => new PasswordAuthenticator("postgres", undefined).answer(md5Request)).toThrow(/password/);
    expect(new PasswordAuthenticator("postgres", undefined).answer(Buffer.from([0, 0, 0, 0]))).toEqual({
      done: true,
    });
  });
});

describe("wire framing", () => {
  it("splits SSL requests, cancel requests and startup packets, waiting for complete ones", () => {
    const ssl = Buffer.alloc(8);
    ssl.writeInt32BE(8, 0);
    ssl.writeInt32BE(SSL_REQUEST, 4);
    const startup = encodeStartup({ user: "u", database: "db_1", application_name: "trace-1" });
    const stream = Buffer.concat([ssl, startup]);
    expect(takeUntypedPacket(stream.subarray(0, 7))).toBeUndefined();
    const first = takeUntypedPacket(stream);
    expect(first?.packet).toEqual({ kind: "ssl" });
    expect(takeUntypedPacket(first?.rest.subarray(0, startup.length - 1) ?? Buffer.alloc(0))).toBeUndefined();
    expect(takeUntypedPacket(first?.rest ?? Buffer.alloc(0))?.packet).toEqual({
      kind: "startup",
      params: { user: "u", database: "db_1", application_name: "trace-1" },
    });
    const cancel = Buffer.alloc(16);
    cancel.writeInt32BE(16, 0);
    cancel.writeInt32BE(CANCEL_REQUEST, 4);
    expect(takeUntypedPacket(cancel)?.packet.kind).toBe("cancel");
  });

  it("splits typed messages and round-trips an ErrorResponse", () => {
    const error = errorResponse("3D000", "no such database");
    const both = Buffer.concat([error, encodeMessage("Z", Buffer.from("I"))]);
    const first = takeMessage(both);
    expect(first?.message.type).toBe("E");
    expect(errorMessageOf(first?.message.body ?? Buffer.alloc(0))).toBe("no such database");
    expect(takeMessage(first?.rest ?? Buffer.alloc(0))?.message.type).toBe("Z");
    expect(takeMessage(both.subarray(0, 4))).toBeUndefined();
  });

  it("finds a Terminate message wherever the chunks split the stream", () => {
    const stream = Buffer.concat([
      encodeMessage("Q", Buffer.from("select 'X'\0")),
      encodeMessage("P", Buffer.alloc(300, 88)),
      encodeMessage("X", Buffer.alloc(0)),
    ]);
    for (const size of [1, 2, 5, 7, 64, stream.length]) {
      const boundaries = new MessageBoundaries();
      const types: string[] = [];
      for (let offset = 0; offset < stream.length; offset += size) {
        types.push(...boundaries.push(stream.subarray(offset, offset + size)));
      }
      expect(types).toEqual(["Q", "P", "X"]);
    }
  });
});
