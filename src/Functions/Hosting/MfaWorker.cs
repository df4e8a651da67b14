using System.Text.Json;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.PhoneNumbers;
using FunctionsMfa.Functions.Security;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Functions.Users;
using Microsoft.Azure.Functions.Worker.Builder;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>
/// All of the app's setup in one builder: the isolated worker with ASP.NET Core integration, the services, and the
/// invocation pipeline. <c>Program.cs</c> builds and runs it; the tests build the same one and replace the services
/// at the true edges (the clock, the SMS provider, storage faults).
/// </summary>
internal static class MfaWorker
{
    public static FunctionsApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = FunctionsApplication.CreateBuilder(args);
        builder.ConfigureFunctionsWebApplication();
        // The SDK's source-generated metadata provider. Its auto-startup registers it through the entry assembly's
        // attributes; a worker built inside another process (the tests') has another entry assembly, so it is
        // registered here as well: the same code path wherever the worker runs. The functions run on the worker's own
        // singleton executor (the csproj turns the generated one off: FunctionsEnableExecutorSourceGen).
        builder.Services.AddSingleton<Microsoft.Azure.Functions.Worker.Core.FunctionMetadata.IFunctionMetadataProvider, GeneratedFunctionMetadataProvider>();
        // Per-request framework chatter stays out of the log; our own events and warnings stay in.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Azure.Functions.Worker", LogLevel.Warning);
        ConfigureServices(builder.Services);
        ConfigurePipeline(builder);
        return builder;
    }

    /// <summary>
    /// Outermost first. Telemetry sees everything, errors included; the envelope executes the function's result, so a
    /// failure while answering is enveloped too; the tunnel settles which function serves the request before the caller
    /// is checked for it; the body is read once the caller is admitted; the dispatch is last.
    /// </summary>
    private static void ConfigurePipeline(FunctionsApplicationBuilder builder)
    {
        builder.UseMiddleware<InvocationTelemetryMiddleware>();
        builder.UseMiddleware<ErrorEnvelopeMiddleware>();
        builder.UseMiddleware<MethodTunnelMiddleware>();
        builder.UseMiddleware<AuthenticationMiddleware>();
        builder.UseMiddleware<FormMiddleware>();
        builder.UseMiddleware<TunnelDispatchMiddleware>();
    }

    internal static void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddMfaOptions();
        services.AddHttpContextAccessor();
        services.Configure<HostQueueOptions>(HostQueueOptions.Configure);

        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        services.AddJsonContext(WireJson.Default);
        services.AddJsonContext(SessionJson.Default);
        services.AddJsonContext(SessionEndpointJson.Default);
        services.AddJsonContext(SignInJson.Default);
        services.AddJsonContext(UserJson.Default);

        services.AddMfaStorage();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<KeyedHash>();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<SecretKeys>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<StepUp>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<SignInStore>();
        services.AddSingleton<ClientTokens>();
        services.AddSingleton<ClientSignInAccess>();
        services.AddSingleton<ISessionOwners, SignInSessionOwners>();
        services.AddSingleton<SecurityEventLog>();

        // Each feature registers its own services and its JSON context.
        services.AddTotp();
        services.AddBackupCodes();
        services.AddSecurity();
        services.AddSecondFactorSignIns();
        services.AddPhoneNumbers();
        services.AddSms();
        services.AddMfaTelemetry();
    }
}
