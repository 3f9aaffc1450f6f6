// Minimal typings for net-snmp (ships none): only what acesim's probes, trap sender
// and their tests use. Widen here when a new call is needed.
declare module 'net-snmp' {
  import type { EventEmitter } from 'node:events';

  export const Version1: 0;
  export const Version2c: 1;
  export type Version = 0 | 1;

  export const ObjectType: {
    Boolean: number;
    Integer: number;
    OctetString: number;
    Null: number;
    OID: number;
    IpAddress: number;
    Counter: number;
    Gauge: number;
    TimeTicks: number;
    Opaque: number;
    Integer32: number;
    Counter32: number;
    Gauge32: number;
    Unsigned32: number;
    Counter64: number;
    NoSuchObject: number;
    NoSuchInstance: number;
    EndOfMibView: number;
  };

  export const TrapType: { ColdStart: number; WarmStart: number; LinkDown: number; LinkUp: number; AuthenticationFailure: number; EgpNeighborLoss: number; EnterpriseSpecific: number };
  export const PduType: { Trap: number; TrapV2: number; InformRequest: number; GetRequest: number; GetResponse: number };
  export const MibProviderType: { Scalar: string; Table: string };
  export const MaxAccess: { 'not-accessible': number; 'accessible-for-notify': number; 'read-only': number; 'read-write': number; 'read-create': number };
  export const AccessControlModelType: { None: number; Simple: number };

  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    transport?: 'udp4' | 'udp6';
    trapPort?: number;
    version?: Version;
    sourceAddress?: string;
  }

  export interface Session extends EventEmitter {
    get(oids: string[], callback: (error: Error | null, varbinds?: Varbind[]) => void): void;
    trap(typeOrOid: string | number, varbinds: Varbind[], options: { upTime?: number; agentAddr?: string }, callback: (error: Error | null) => void): void;
    trap(typeOrOid: string | number, varbinds: Varbind[], callback: (error: Error | null) => void): void;
    trap(typeOrOid: string | number, varbinds: Varbind[], agentAddr: string, callback: (error: Error | null) => void): void;
    inform(typeOrOid: string | number, varbinds: Varbind[], callback: (error: Error | null, varbinds?: Varbind[]) => void): void;
    close(): void;
  }

  export function createSession(target?: string, community?: string, options?: SessionOptions): Session;
  export function isVarbindError(varbind: Varbind): boolean;
  export function varbindError(varbind: Varbind): string;

  export class RequestTimedOutError extends Error {}
  export class RequestFailedError extends Error {
    status?: number;
  }

  export interface ProviderDefinition {
    name: string;
    type: string;
    oid: string;
    scalarType?: number;
    maxAccess: number;
    handler?: (req: { done(err?: { errorStatus: number }): void }) => void;
  }

  export interface Mib {
    registerProvider(def: ProviderDefinition): void;
    setScalarValue(name: string, value: unknown): void;
  }

  export interface Authorizer {
    addCommunity(community: string): void;
  }

  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    close(callback?: () => void): void;
  }

  export function createAgent(
    options: { port?: number; address?: string | null; transport?: 'udp4' | 'udp6'; disableAuthorization?: boolean; accessControlModelType?: number },
    callback: (error: Error | null, data?: unknown) => void,
  ): Agent;

  export interface ReceivedNotification {
    pdu: { type: number; varbinds: Varbind[]; enterprise?: string; agentAddr?: string; specificTrap?: number };
    rinfo: { address: string; port: number };
  }

  export interface Receiver {
    getAuthorizer(): Authorizer;
    close(callback?: () => void): void;
  }

  export function createReceiver(
    options: { port?: number; address?: string | null; transport?: 'udp4' | 'udp6'; disableAuthorization?: boolean; includeAuthentication?: boolean },
    callback: (error: Error | null, notification?: ReceivedNotification) => void,
  ): Receiver;

  const snmp: {
    Version1: typeof Version1;
    Version2c: typeof Version2c;
    ObjectType: typeof ObjectType;
    TrapType: typeof TrapType;
    PduType: typeof PduType;
    MibProviderType: typeof MibProviderType;
    MaxAccess: typeof MaxAccess;
    AccessControlModelType: typeof AccessControlModelType;
    createSession: typeof createSession;
    isVarbindError: typeof isVarbindError;
    varbindError: typeof varbindError;
    RequestTimedOutError: typeof RequestTimedOutError;
    RequestFailedError: typeof RequestFailedError;
    createAgent: typeof createAgent;
    createReceiver: typeof createReceiver;
  };
  export default snmp;
}
