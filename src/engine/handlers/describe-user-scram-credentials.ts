// DescribeUserScramCredentials: the SCRAM mechanisms and iteration counts of some users, or of
// all of them, as Kafka's ScramImage.describe answers (never a salt or a key).
//
// DescribeUserScramCredentials Request (Version: 0) => [users] _tagged_fields
//   users => name _tagged_fields                                   (null or empty: every user)
// DescribeUserScramCredentials Response (Version: 0) => throttle_time_ms error_code error_message [results] _tagged_fields
//   results => user error_code error_message [credential_infos] _tagged_fields
//     credential_infos => mechanism iterations _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type {
  DescribeUserScramCredentialsRequest,
  DescribeUserScramCredentialsResponse,
  DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult,
} from "../../protocol/messages/describe-user-scram-credentials.ts";
import { scramMechanismCodes } from "../../security/scram.ts";
import type { UserStore } from "../../security/user-store.ts";
import { clusterAllowed, Operation } from "../access.ts";
import type { Handler } from "../handler-context.ts";

type Result = DescribeUserScramCredentialsResponseDescribeUserScramCredentialsResult;

/** One result per named user, each carrying the request's error (Kafka's getErrorResponse). */
function refused(request: DescribeUserScramCredentialsRequest, errorCode: number, errorMessage: string): DescribeUserScramCredentialsResponse {
  const results = (request.users ?? []).map(({ name }) => ({ user: name, errorCode, errorMessage, credentialInfos: [] }));
  return { throttleTimeMs: 0, errorCode, errorMessage, results };
}

function describeUser(users: UserStore, user: string): Result {
  const summary = users.summary(user);
  if (summary === undefined || summary.mechanisms.length === 0) {
    return { user, errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] };
  }
  const credentialInfos = summary.mechanisms.map(({ mechanism, iterations }) => ({ mechanism: scramMechanismCodes[mechanism], iterations }));
  return { user, errorCode: ErrorCode.NONE, errorMessage: null, credentialInfos };
}

export const handleDescribeUserScramCredentials: Handler<DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse> = async (request, ctx) => {
  if (!clusterAllowed(ctx, Operation.DESCRIBE)) return refused(request, ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Describing SCRAM credentials needs DESCRIBE on the cluster");
  const users = ctx.users;
  if (users === undefined) return refused(request, ErrorCode.SECURITY_DISABLED, "This broker keeps no SCRAM users");
  const named = request.users ?? [];
  if (named.length === 0) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results: users.list().map(({ user }) => describeUser(users, user)) };
  }
  // A user named twice gets one result: DUPLICATE_RESOURCE, not its credentials.
  const counts = new Map<string, number>();
  for (const { name } of named) counts.set(name, (counts.get(name) ?? 0) + 1);
  const results = [...counts].map(([user, count]): Result =>
    count > 1
      ? { user, errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] }
      : describeUser(users, user),
  );
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, results };
};
