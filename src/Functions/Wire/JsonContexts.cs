using System.Text.Json.Serialization;

namespace FunctionsMfa.Functions.Wire;

internal static class JsonContexts
{
    /// <summary>
    /// Registers a feature's source-generated JSON context for the HTTP results. It goes to the front of the resolver
    /// chain: reflection-based serialization is enabled for Azure.Data.Tables, so the reflection resolver is already
    /// in the chain and a context appended after it would never be consulted.
    /// </summary>
    public static IServiceCollection AddJsonContext(this IServiceCollection services, JsonSerializerContext context) =>
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, context));
}
