// SCRAM user administration (kafka-configs.sh --entity-type users, AdminClient's
// describeUserScramCredentials and alterUserScramCredentials). The password never leaves the
// client: it sends a random salt and the salted password (RFC 5802's SaltedPassword), from which
// the broker derives the keys it stores. Describing asks any broker; altering asks the controller.
//
// DescribeUserScramCredentials Request (Version: 0) => [users] _tagged_fields
//   users => name _tagged_fields
// AlterUserScramCredentials Request (Version: 0) => [deletions] [upsertions] _tagged_fields
//   deletions => name mechanism _tagged_fields
//   upsertions => name mechanism iterations salt salted_password _tagged_fields

import { randomBytes } from "node:crypto";
import { ErrorCode, KafkaProtocolError } from "../protocol/errors.ts";
import { AlterUserScramCredentials } from "../protocol/messages/alter-user-scram-credentials.ts";
import { DescribeUserScramCredentials } from "../protocol/messages/describe-user-scram-credentials.ts";
import { type ScramMechanism, scramMechanismCodes, scramMechanismOfCode, scramSaltBytes, scramSaltedPassword } from "../security/scram.ts";
import type { Cluster } from "./cluster.ts";
import { retry } from "./retry.ts";

export interface ScramCredentialInfo {
  /** undefined for a mechanism code this client does not know. */
  mechanism: ScramMechanism | undefined;
  iterations: number;
}

export interface UserScramDescription {
  user: string;
  /** null when the user was described; RESOURCE_NOT_FOUND when it has no credential. */
  error: KafkaProtocolError | null;
  credentials: ScramCredentialInfo[];
}

/** A credential to create or replace: the password is salted here and never sent. */
export interface ScramUpsertion {
  user: string;
  mechanism: ScramMechanism;
  password: string;
  iterations: number;
}

export interface ScramDeletion {
  user: string;
  mechanism: ScramMechanism;
}

export interface UserAlterationResult {
  user: string;
  /** null when the user's alteration was made. */
  error: KafkaProtocolError | null;
}

function errorOf(errorCode: number, errorMessage: string | null | undefined, user: string): KafkaProtocolError | null {
  if (errorCode === ErrorCode.NONE) return null;
  return new KafkaProtocolError(errorCode, errorMessage ? `user "${user}": ${errorMessage}` : `user "${user}"`);
}

export class ScramAdmin {
  readonly #cluster: Cluster;

  constructor(cluster: Cluster) {
    this.#cluster = cluster;
  }

  /** The mechanisms and iteration counts of `users`, or of every user when none are named; a refused request throws. */
  async describe(users: string[] = []): Promise<UserScramDescription[]> {
    const connection = await this.#cluster.anyConnection();
    const response = await connection.request(DescribeUserScramCredentials, { users: users.length === 0 ? null : users.map((name) => ({ name })) });
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaProtocolError(response.errorCode, response.errorMessage ?? undefined);
    return response.results.map((result) => ({
      user: result.user,
      error: errorOf(result.errorCode, result.errorMessage, result.user),
      credentials: result.credentialInfos.map((info) => ({ mechanism: scramMechanismOfCode(info.mechanism), iterations: info.iterations })),
    }));
  }

  /**
   * Deletes and upserts credentials in one request; each user gets a result. Kafka alters a
   * user at most once a request: a user named twice is refused with DUPLICATE_RESOURCE.
   */
  async alter(changes: { deletions?: ScramDeletion[]; upsertions?: ScramUpsertion[] }): Promise<UserAlterationResult[]> {
    const request = {
      deletions: (changes.deletions ?? []).map(({ user, mechanism }) => ({ name: user, mechanism: scramMechanismCodes[mechanism] })),
      upsertions: (changes.upsertions ?? []).map(({ user, mechanism, password, iterations }) => {
        const salt = randomBytes(scramSaltBytes);
        return { name: user, mechanism: scramMechanismCodes[mechanism], iterations, salt, saltedPassword: scramSaltedPassword(mechanism, password, { salt, iterations }) };
      }),
    };
    const response = await retry(
      async () => {
        await this.#cluster.refreshMetadata([]);
        const controller = this.#cluster.controllerId;
        const connection = controller >= 0 ? await this.#cluster.brokerConnection(controller) : await this.#cluster.anyConnection();
        const answer = await connection.request(AlterUserScramCredentials, request);
        // The controller moved: the whole request goes to the new one.
        if (answer.results.some((result) => result.errorCode === ErrorCode.NOT_CONTROLLER)) throw new KafkaProtocolError(ErrorCode.NOT_CONTROLLER);
        return answer;
      },
      { ...this.#cluster.retryOptions, logger: this.#cluster.logger, what: "AlterUserScramCredentials" },
    );
    return response.results.map((result) => ({ user: result.user, error: errorOf(result.errorCode, result.errorMessage, result.user) }));
  }
}
