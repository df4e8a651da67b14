using FunctionsMfa.LocalHost.Rpc;
using Grpc.Core;

namespace FunctionsMfa.LocalHost;

/// <summary>The gRPC service the worker dials (<c>--functions-uri</c>): its one stream is the <see cref="WorkerChannel"/>.</summary>
internal sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        channel.RunStreamAsync(requestStream, responseStream, context.CancellationToken);
}
