// AlterUserScramCredentials: create, replace and delete users' SCRAM credentials, with the checks
// and per-user answers of Kafka's ScramControlManager.alterCredentials. The client sends the
// salted password, never the password; the broker keeps only the keys derived from it.
//
// AlterUserScramCredentials Request (Version: 0) => [deletions] [upsertions] _tagged_fields
//   deletions => name mechanism _tagged_fields
//   upsertions => name mechanism iterations salt salted_password _tagged_fields
// AlterUserScramCredentials Response (Version: 0) => throttle_time_ms [results] _tagged_fields
//   results => user error_code error_message _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  AlterUserScramCredentialsRequest,
  AlterUserScramCredentialsRequestScramCredentialDeletion,
  AlterUserScramCredentialsRequestScramCredentialUpsertion,
  AlterUserScramCredentialsResponse,
} from "../../protocol/messages/alter-user-scram-credentials.ts";
import { type ScramMechanism, scramCredentialOfSaltedPassword, scramHashBytes, scramIterationsMax, scramIterationsMin, scramMechanismOfCode } from "../../security/scram.ts";
import { type CredentialChanges, type UserStore, userNameProblem } from "../../security/user-store.ts";
import { clusterAllowed, Operation } from "../access.ts";
import type { Handler, HandlerContext } from "../handler-context.ts";

/** Longest salt accepted (Kafka's own clients send 32 bytes; the salt goes into every SCRAM exchange). */
export const scramSaltBytesMax = 1024;

interface Problem {
  errorCode: number;
  errorMessage: string;
}

const duplicate: Problem = { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: "A user credential cannot be altered twice in the same request" };

/** Every user the request names, once, sorted, each with the same error (Kafka's getErrorResponse). */
function refused(request: AlterUserScramCredentialsRequest, problem: Problem): AlterUserScramCredentialsResponse {
  const users = new Set([...request.deletions, ...request.upsertions].map(({ name }) => name));
  return { throttleTimeMs: 0, results: [...users].sort().map((user) => ({ user, ...problem })) };
}

/** The mechanism of a deletion or upsertion, or why its user name or mechanism is refused. */
function checkUserAndMechanism(name: string, mechanismCode: number): ScramMechanism | Problem {
  if (name === "") return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "Username must not be empty" };
  const nameProblem = userNameProblem(name);
  if (nameProblem !== null) return { errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: nameProblem };
  return scramMechanismOfCode(mechanismCode) ?? { errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: "Unknown SCRAM mechanism" };
}

function checkDeletion(users: UserStore, deletion: AlterUserScramCredentialsRequestScramCredentialDeletion): ScramMechanism | Problem {
  const mechanism = checkUserAndMechanism(deletion.name, deletion.mechanism);
  if (typeof mechanism !== "string") return mechanism;
  if (users.credential(deletion.name, mechanism) === undefined) return { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to delete a user credential that does not exist" };
  return mechanism;
}

function checkUpsertion(upsertion: AlterUserScramCredentialsRequestScramCredentialUpsertion): ScramMechanism | Problem {
  const mechanism = checkUserAndMechanism(upsertion.name, upsertion.mechanism);
  if (typeof mechanism !== "string") return mechanism;
  const unacceptable = (errorMessage: string): Problem => ({ errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage });
  if (upsertion.iterations < scramIterationsMin) return unacceptable("Too few iterations");
  if (upsertion.iterations > scramIterationsMax) return unacceptable("Too many iterations");
  // Beyond Kafka's checks: a credential no login could ever match is refused rather than stored.
  if (upsertion.salt.length === 0 || upsertion.salt.length > scramSaltBytesMax) return unacceptable(`The salt must have 1 to ${scramSaltBytesMax} bytes`);
  if (upsertion.saltedPassword.length !== scramHashBytes[mechanism]) return unacceptable(`A ${mechanism} salted password has ${scramHashBytes[mechanism]} bytes, not ${upsertion.saltedPassword.length}`);
  return mechanism;
}

/**
 * Kafka's rules: each user is altered at most once a request. A user's second deletion or
 * upsertion makes its earlier, accepted one DUPLICATE_RESOURCE; a user already refused stays
 * refused for its first reason.
 */
function plan(users: UserStore, request: AlterUserScramCredentialsRequest): { changes: CredentialChanges; problems: Map<string, Problem>; order: string[] } {
  const deletions = new Map<string, { user: string; mechanism: ScramMechanism }>();
  const upsertions = new Map<string, CredentialChanges["upsertions"][number]>();
  const problems = new Map<string, Problem>();
  for (const deletion of request.deletions) {
    if (problems.has(deletion.name)) continue;
    if (deletions.delete(deletion.name)) {
      problems.set(deletion.name, duplicate);
      continue;
    }
    const mechanism = checkDeletion(users, deletion);
    if (typeof mechanism === "string") deletions.set(deletion.name, { user: deletion.name, mechanism });
    else problems.set(deletion.name, mechanism);
  }
  for (const upsertion of request.upsertions) {
    if (problems.has(upsertion.name)) continue;
    if (deletions.delete(upsertion.name) || upsertions.delete(upsertion.name)) {
      problems.set(upsertion.name, duplicate);
      continue;
    }
    const mechanism = checkUpsertion(upsertion);
    if (typeof mechanism !== "string") {
      problems.set(upsertion.name, mechanism);
      continue;
    }
    const { name: user, salt, saltedPassword, iterations } = upsertion;
    upsertions.set(user, { user, mechanism, credential: scramCredentialOfSaltedPassword(mechanism, { saltedPassword, salt: salt.slice(), iterations }) });
  }
  const order = [...new Set([...request.deletions, ...request.upsertions].map(({ name }) => name))];
  return { changes: { deletions: [...deletions.values()], upsertions: [...upsertions.values()] }, problems, order };
}

/** Writes the accepted changes in one go; a failed write is logged and refuses them all. */
async function apply(ctx: HandlerContext, users: UserStore, changes: CredentialChanges): Promise<Problem | null> {
  if (changes.deletions.length + changes.upsertions.length === 0) return null;
  const describe = (entries: ReadonlyArray<{ user: string; mechanism: string }>) => entries.map(({ user, mechanism }) => `${user} (${mechanism})`).join(", ");
  try {
    await users.alter(changes);
  } catch (error) {
    ctx.logger.error("Cannot write SCRAM credentials", { principal: ctx.requester?.principal ?? "", error: (error as Error)?.message ?? String(error) });
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: "The broker could not store the change" };
  }
  ctx.logger.info("SCRAM credentials altered", { principal: ctx.requester?.principal ?? "", deleted: describe(changes.deletions), upserted: describe(changes.upsertions) });
  return null;
}

export const handleAlterUserScramCredentials: Handler<AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse> = async (request, ctx) => {
  if (!clusterAllowed(ctx, Operation.ALTER)) return refused(request, { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: "Altering SCRAM credentials needs ALTER on the cluster" });
  const users = ctx.users;
  if (users === undefined) return refused(request, { errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "This broker keeps no SCRAM users" });
  const { changes, problems, order } = plan(users, request);
  const failure = await apply(ctx, users, changes);
  const results = order.map((user) => {
    const problem = problems.get(user) ?? failure;
    return problem === null ? { user, errorCode: ErrorCode.NONE, errorMessage: null } : { user, ...problem };
  });
  return { throttleTimeMs: 0, results };
};
