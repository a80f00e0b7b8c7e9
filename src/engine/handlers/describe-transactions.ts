// DescribeTransactions: the state of transactional ids: producer id and epoch, timeout, and the
// partitions of the open transaction.
//
// DescribeTransactions Request (Version: 0) => [transactional_ids] _tagged_fields
// DescribeTransactions Response (Version: 0) => throttle_time_ms [transaction_states] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { DescribeTransactionsRequest, DescribeTransactionsResponse } from "../../protocol/messages/describe-transactions.ts";
import type { Handler } from "../handler-context.ts";
import { transactionStatusNames } from "../transactions/transaction-log.ts";
import { Operation, transactionalIdAllowed } from "../access.ts";

export const handleDescribeTransactions: Handler<DescribeTransactionsRequest, DescribeTransactionsResponse> = async (request, ctx) => {
  const absent = (transactionalId: string, errorCode: number) => ({
    errorCode, transactionalId, transactionState: "", transactionTimeoutMs: 0, transactionStartTimeMs: -1, producerId: -1, producerEpoch: -1, topics: [],
  });
  return {
    throttleTimeMs: 0,
    transactionStates: request.transactionalIds.map((transactionalId) => {
      if (!transactionalIdAllowed(ctx, Operation.DESCRIBE, transactionalId)) return absent(transactionalId, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      if (!ctx.transactions) return absent(transactionalId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      const state = ctx.transactions.state(transactionalId);
      if (state === undefined) return absent(transactionalId, ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
      return {
        errorCode: ErrorCode.NONE,
        transactionalId,
        transactionState: transactionStatusNames[state.status],
        transactionTimeoutMs: state.timeoutMs,
        transactionStartTimeMs: state.startMs,
        producerId: state.producerId,
        producerEpoch: state.producerEpoch,
        topics: [...state.partitions].map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) })),
      };
    }),
  };
};
