using System.Collections.Concurrent;
using FunctionsMfa.Functions.Hosting;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FunctionsMfa.Tests.Hosting;

/// <summary>What the test wants the next invocations of <see cref="RecordingQueueFunction"/> to answer, and what it saw.</summary>
public sealed class QueueScript
{
    /// <summary>A queue name of this factory alone, so classes running at once never share messages.</summary>
    public string QueueName { get; } = "test-recording-" + Guid.NewGuid().ToString("N")[..12];

    public ConcurrentQueue<QueueInvocationRecord> Invocations { get; } = new();

    /// <summary>Decides each outcome; succeeds unless a test says otherwise.</summary>
    public Func<QueueInvocationRecord, bool> Succeed { get; set; } = _ => true;

    /// <summary>When set, the function throws instead of answering (a bug in a real function).</summary>
    public bool Throw { get; set; }
}

/// <summary>One invocation as the function saw it.</summary>
public sealed record QueueInvocationRecord(string MessageText, long DequeueCount, string? MessageId);

/// <summary>A queue-triggered function whose outcome the test controls; it records every invocation.</summary>
internal sealed class RecordingQueueFunction(QueueScript script) : IQueueFunction
{
    public const string FunctionName = "RecordTestMessage";

    public const string Binding = "message";

    public string Name => FunctionName;

    public string QueueName => script.QueueName;

    public string BindingName => Binding;

    public Task<QueueOutcome> HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken)
    {
        var record = new QueueInvocationRecord(invocation.MessageText, invocation.DequeueCount, invocation.MessageId);
        script.Invocations.Enqueue(record);
        if (script.Throw)
        {
            throw new InvalidOperationException("The test function was told to throw.");
        }

        return Task.FromResult(script.Succeed(record) ? QueueOutcome.Success : QueueOutcome.Failure("told to fail"));
    }
}

/// <summary>
/// The app with <see cref="RecordingQueueFunction"/> as its only queue function. The real ones are removed so that a
/// drain here never consumes messages that other test classes put on the shared Azurite's queues.
/// </summary>
public sealed class RecordingQueueAppFactory : MfaAppFactory
{
    public QueueScript Script { get; } = new();

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.RemoveAll<IQueueFunction>();
        services.AddSingleton(Script);
        services.AddQueueFunction<RecordingQueueFunction>();
    }
}
