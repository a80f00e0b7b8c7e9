// Generates src/protocol/messages/*.ts from Apache Kafka's JSON message definitions in
// ../shared/kafka-protocol (beside the repository). Run: `npm run gen:protocol`.
// Adding an API is adding its name to `apiNames` and running this again.
// The definitions are first reduced to their facts, written as definitions-digest.json beside
// the codecs, and the codecs are generated from that digest: the tests check the committed
// codecs against it, so they need nothing outside the repository.

import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Api, apiFile, dataFile, generatedMarker, indexFile, kebabCase } from "./gen-protocol/emit.ts";
import { digestPath, digestText, internalDigestPath } from "./gen-protocol/digest.ts";
import { type MessageDefinition, factsOf, readDefinition, resolveMessage } from "./gen-protocol/schema.ts";
import { format } from "./gen-protocol/versions.ts";

const apiNames = [
  "Produce",
  "Fetch",
  "ListOffsets",
  "Metadata",
  "OffsetCommit",
  "OffsetFetch",
  "FindCoordinator",
  "JoinGroup",
  "Heartbeat",
  "LeaveGroup",
  "SyncGroup",
  "DescribeGroups",
  "ListGroups",
  "SaslHandshake",
  "ApiVersions",
  "CreateTopics",
  "DeleteTopics",
  "DeleteRecords",
  "InitProducerId",
  "OffsetForLeaderEpoch",
  "AddPartitionsToTxn",
  "AddOffsetsToTxn",
  "EndTxn",
  "TxnOffsetCommit",
  "DescribeConfigs",
  "AlterConfigs",
  "DescribeLogDirs",
  "SaslAuthenticate",
  "CreatePartitions",
  "DeleteGroups",
  "IncrementalAlterConfigs",
  "OffsetDelete",
  "DescribeCluster",
  "ConsumerGroupHeartbeat",
  "ConsumerGroupDescribe",
  "DescribeProducers",
  "DescribeTransactions",
  "ListTransactions",
  "CreateAcls",
  "DescribeAcls",
  "DeleteAcls",
  "DescribeUserScramCredentials",
  "AlterUserScramCredentials",
] as const;

/** Kafka's internal record formats (kafka-protocol/internal/), generated into src/protocol/internal/. */
const dataNames = [
  "OffsetCommitKey",
  "OffsetCommitValue",
  "GroupMetadataKey",
  "GroupMetadataValue",
  "ConsumerGroupMetadataKey",
  "ConsumerGroupMetadataValue",
  "ConsumerGroupPartitionMetadataKey",
  "ConsumerGroupPartitionMetadataValue",
  "ConsumerGroupMemberMetadataKey",
  "ConsumerGroupMemberMetadataValue",
  "ConsumerGroupTargetAssignmentMetadataKey",
  "ConsumerGroupTargetAssignmentMetadataValue",
  "ConsumerGroupTargetAssignmentMemberKey",
  "ConsumerGroupTargetAssignmentMemberValue",
  "ConsumerGroupCurrentMemberAssignmentKey",
  "ConsumerGroupCurrentMemberAssignmentValue",
  "TransactionLogKey",
  "TransactionLogValue",
] as const;

const repoRoot = path.resolve(import.meta.dir, "..");
const definitionsFolder = path.resolve(repoRoot, "../shared/kafka-protocol");
const outputFolder = path.join(repoRoot, "src/protocol/messages");
const internalOutputFolder = path.join(repoRoot, "src/protocol/internal");

function loadApi(name: string, digest: MessageDefinition[]): Api {
  const requestFacts = factsOf(readDefinition(definitionsFolder, `${name}Request`));
  const responseFacts = factsOf(readDefinition(definitionsFolder, `${name}Response`));
  digest.push(requestFacts, responseFacts);
  const request = resolveMessage(requestFacts);
  const response = resolveMessage(responseFacts);
  if (request.apiKey !== response.apiKey || format(request.validVersions) !== format(response.validVersions)) {
    throw new Error(`Request and response of "${name}" disagree on API key or versions`);
  }
  if (format(request.flexibleVersions) !== format(response.flexibleVersions)) {
    throw new Error(`Request and response of "${name}" disagree on flexible versions`);
  }
  return { name, fileName: kebabCase(name), request, response };
}

/** Generated files no longer listed are removed, so the folder always matches the list. */
function removeStaleFiles(folder: string, keep: Set<string>): void {
  for (const entry of readdirSync(folder)) {
    const file = path.join(folder, entry);
    if (keep.has(entry) || !entry.endsWith(".ts")) continue;
    if (readFileSync(file, "utf8").startsWith(generatedMarker)) rmSync(file);
  }
}

function main(): void {
  const digest: MessageDefinition[] = [];
  const apis = apiNames.map((name) => loadApi(name, digest));
  mkdirSync(outputFolder, { recursive: true });
  const written = new Set<string>();
  for (const api of apis) {
    writeFileSync(path.join(outputFolder, `${api.fileName}.ts`), apiFile(api));
    written.add(`${api.fileName}.ts`);
  }
  writeFileSync(path.join(outputFolder, "index.ts"), indexFile(apis));
  written.add("index.ts");
  removeStaleFiles(outputFolder, written);
  writeFileSync(digestPath, digestText(digest));
  console.error(`Generated ${apis.length} APIs into ${path.relative(repoRoot, outputFolder)}`);
  generateData();
}

function generateData(): void {
  const digest = dataNames.map((name) => factsOf(readDefinition(path.join(definitionsFolder, "internal"), name)));
  mkdirSync(internalOutputFolder, { recursive: true });
  const written = new Set<string>();
  for (const facts of digest) {
    const fileName = `${kebabCase(facts.name)}.ts`;
    writeFileSync(path.join(internalOutputFolder, fileName), dataFile(resolveMessage(facts)));
    written.add(fileName);
  }
  removeStaleFiles(internalOutputFolder, written);
  writeFileSync(internalDigestPath, digestText(digest));
  console.error(`Generated ${digest.length} record formats into ${path.relative(repoRoot, internalOutputFolder)}`);
}

main();
