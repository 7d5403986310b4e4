// The user-vector flow with the AWS SDK for JavaScript v3, against a rekostub server.
// Run by tests/test_server_clients.py: node user_vectors.mjs ENDPOINT IMAGE_DIR
// IMAGE_DIR holds <person>-<n>.png portraits to enroll and query.png to identify.
// Prints one JSON object: what enrolment made and what SearchUsersByImage answered.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AssociateFacesCommand,
  CreateCollectionCommand,
  CreateUserCommand,
  IndexFacesCommand,
  RekognitionClient,
  ResourceNotFoundException,
  SearchUsersByImageCommand,
} from "@aws-sdk/client-rekognition";

const [endpoint, imageDir] = process.argv.slice(2);
const client = new RekognitionClient({
  endpoint,
  region: "eu-west-1",
  credentials: { accessKeyId: "AKIDREKOSTUBTESTING", secretAccessKey: "not-a-secret" },
  maxAttempts: 1,
});
const CollectionId = "user-vectors";

await client.send(new CreateCollectionCommand({ CollectionId }));
const people = {};
for (const file of readdirSync(imageDir).filter((f) => f !== "query.png").sort()) {
  const person = file.split("-")[0];
  const indexed = await client.send(
    new IndexFacesCommand({
      CollectionId,
      Image: { Bytes: readFileSync(join(imageDir, file)) },
      ExternalImageId: file,
      MaxFaces: 1,
    }),
  );
  (people[person] ??= []).push(...indexed.FaceRecords.map((r) => r.Face.FaceId));
}
const associated = {};
for (const [UserId, FaceIds] of Object.entries(people)) {
  await client.send(new CreateUserCommand({ CollectionId, UserId }));
  const done = await client.send(new AssociateFacesCommand({ CollectionId, UserId, FaceIds }));
  associated[UserId] = done.AssociatedFaces.map((f) => f.FaceId);
}
const found = await client.send(
  new SearchUsersByImageCommand({
    CollectionId,
    Image: { Bytes: readFileSync(join(imageDir, "query.png")) },
    MaxUsers: 5,
  }),
);
let missing = null;
try {
  await client.send(new CreateUserCommand({ CollectionId: "nope", UserId: "x" }));
} catch (error) {
  missing = {
    name: error.name,
    isModeled: error instanceof ResourceNotFoundException,
    status: error.$metadata.httpStatusCode,
    message: error.message,
  };
}
console.log(
  JSON.stringify({
    people,
    associated,
    userMatches: found.UserMatches,
    searchedFace: found.SearchedFace,
    requestId: found.$metadata.requestId,
    missing,
  }),
);
