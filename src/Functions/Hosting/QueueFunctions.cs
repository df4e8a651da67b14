namespace FunctionsMfa.Functions.Hosting;

/// <summary>A queue message as the Functions host hands it to a queue-triggered function.</summary>
internal sealed record QueueInvocation(string FunctionName, string MessageText, long DequeueCount, string? MessageId);

/// <summary>What a queue function made of one message. A failure makes the host retry, then move it to the poison queue.</summary>
internal readonly record struct QueueOutcome(bool Succeeded, string? Reason)
{
    public static QueueOutcome Success => new(true, null);

    public static QueueOutcome Failure(string reason) => new(false, reason);
}

/// <summary>A queue-triggered function: one per queue, called by the host (<c>POST /{Name}</c>) or by <see cref="QueueDrainer"/>.</summary>
internal interface IQueueFunction
{
    /// <summary>The function's name: its folder in the package and the path the host posts to.</summary>
    string Name { get; }

    string QueueName { get; }

    /// <summary>The binding's name in <c>function.json</c>; the host keys the message by it under <c>Data</c>.</summary>
    string BindingName { get; }

    Task<QueueOutcome> HandleAsync(QueueInvocation invocation, CancellationToken cancellationToken);
}

internal static class QueueFunctionRegistration
{
    public static IServiceCollection AddQueueFunction<[System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicConstructors)] T>(this IServiceCollection services)
        where T : class, IQueueFunction
    {
        services.AddSingleton<T>();
        services.AddSingleton<IQueueFunction>(sp => sp.GetRequiredService<T>());
        return services;
    }
}
