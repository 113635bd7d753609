// Runs s3rver in its own process: it needs Node's --openssl-legacy-provider
// (its list continuation tokens use DES), which cannot be turned on in a
// running process. The parent learns the port over IPC and we exit with it.
import S3rver from "s3rver";

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: "127.0.0.1",
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket }],
});
const address = await server.run();
process.send?.({ port: address.port });
// Every request is on disk when it is answered, so there is nothing to flush:
// waiting for keep-alive sockets to close would only delay the exit.
process.on("disconnect", () => process.exit(0));
