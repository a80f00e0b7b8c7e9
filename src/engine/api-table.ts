// The APIs this broker answers, with the versions it advertises. A version is listed here only
// once real clients have exercised it (docs/protocol.md names which client did).

import type { Reader } from "../protocol/reader.ts";
import type { Writer } from "../protocol/writer.ts";
import { ApiVersions } from "../protocol/messages/api-versions.ts";
import { CreateTopics } from "../protocol/messages/create-topics.ts";
import { DeleteTopics } from "../protocol/messages/delete-topics.ts";
import { Fetch } from "../protocol/messages/fetch.ts";
import { ListOffsets } from "../protocol/messages/list-offsets.ts";
import { Metadata } from "../protocol/messages/metadata.ts";
import { Produce } from "../protocol/messages/produce.ts";
import type { AdvertisedApi, Handler } from "./handler-context.ts";
import { handleApiVersions } from "./handlers/api-versions.ts";
import { handleCreateTopics } from "./handlers/create-topics.ts";
import { handleDeleteTopics } from "./handlers/delete-topics.ts";
import { handleFetch } from "./handlers/fetch.ts";
import { handleListOffsets } from "./handlers/list-offsets.ts";
import { handleMetadata } from "./handlers/metadata.ts";
import { handleProduce } from "./handlers/produce.ts";

interface RequestCodec<Request, Response> {
  apiKey: number;
  name: string;
  decodeRequest(reader: Reader, version: number): Request;
  encodeResponse(writer: Writer, version: number, value: Response): void;
}

/** One API: how to decode its requests, answer them, and encode the answers. */
export interface Route extends AdvertisedApi {
  name: string;
  decodeRequest(reader: Reader, version: number): unknown;
  encodeResponse(writer: Writer, version: number, value: unknown): void;
  handle: Handler<unknown, unknown>;
}

function route<Request, Response>(
  codec: RequestCodec<Request, Response>,
  versions: { min: number; max: number },
  handle: Handler<Request, Response>,
): Route {
  return {
    apiKey: codec.apiKey,
    name: codec.name,
    minVersion: versions.min,
    maxVersion: versions.max,
    decodeRequest: codec.decodeRequest,
    encodeResponse: codec.encodeResponse as (writer: Writer, version: number, value: unknown) => void,
    handle: handle as Handler<unknown, unknown>,
  };
}

export const routes: readonly Route[] = [
  route(Produce, { min: 3, max: 9 }, handleProduce),
  route(Fetch, { min: 4, max: 13 }, handleFetch),
  route(ListOffsets, { min: 1, max: 7 }, handleListOffsets),
  route(Metadata, { min: 0, max: 12 }, handleMetadata),
  route(ApiVersions, { min: 0, max: 3 }, handleApiVersions),
  route(CreateTopics, { min: 0, max: 7 }, handleCreateTopics),
  route(DeleteTopics, { min: 0, max: 6 }, handleDeleteTopics),
];

export const routesByKey: ReadonlyMap<number, Route> = new Map(routes.map((entry) => [entry.apiKey, entry]));
