// ListTransactions: the transactional ids this coordinator knows, filtered by state, producer id
// and (v1) how long their transaction has been running.
//
// ListTransactions Request (Version: 1) => [state_filters] [producer_id_filters] duration_filter _tagged_fields
// ListTransactions Response (Version: 1) => throttle_time_ms error_code [unknown_state_filters]
//   [transaction_states] _tagged_fields

import { ErrorCode } from "../../protocol/errors.ts";
import type { ListTransactionsRequest, ListTransactionsResponse } from "../../protocol/messages/list-transactions.ts";
import type { Handler } from "../handler-context.ts";
import { TransactionStatus, transactionStatusNames } from "../transactions/transaction-log.ts";
import { Operation, transactionalIdAllowed } from "../access.ts";

const knownStates = new Set(Object.values(transactionStatusNames));

export const handleListTransactions: Handler<ListTransactionsRequest, ListTransactionsResponse> = async (request, ctx) => {
  const empty = { throttleTimeMs: 0, unknownStateFilters: [], transactionStates: [] };
  if (!ctx.transactions) return { ...empty, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  const states = new Set(request.stateFilters);
  const producerIds = new Set(request.producerIdFilters);
  const durationMs = request.durationFilter ?? -1;
  const now = ctx.transactions.now();
  const transactionStates = [...ctx.transactions.states()]
    .filter((state) => transactionalIdAllowed(ctx, Operation.DESCRIBE, state.transactionalId))
    .filter((state) => states.size === 0 || states.has(transactionStatusNames[state.status]))
    .filter((state) => producerIds.size === 0 || producerIds.has(state.producerId))
    .filter((state) => durationMs < 0 || (state.status === TransactionStatus.ongoing && now - state.startMs > durationMs))
    .map((state) => ({ transactionalId: state.transactionalId, producerId: state.producerId, transactionState: transactionStatusNames[state.status] }));
  return { ...empty, errorCode: ErrorCode.NONE, unknownStateFilters: request.stateFilters.filter((name) => !knownStates.has(name)), transactionStates };
};
