using System.Text.Json;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.BackupCodes;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.PhoneNumbers;
using FunctionsMfa.Functions.Security;
using FunctionsMfa.Functions.Sms;
using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Functions.Crypto;
using FunctionsMfa.Functions.Health;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Functions.Storage;
using FunctionsMfa.Functions.Users;
using FunctionsMfa.Functions.Wire;

namespace FunctionsMfa.Functions.Hosting;

/// <summary>All of the app's setup: configuration, services, the pipeline and the endpoint table.</summary>
internal static class MfaApi
{
    /// <summary>Set by the Functions host: the handler must listen on this loopback port.</summary>
    public const string CustomHandlerPortVariable = "FUNCTIONS_CUSTOMHANDLER_PORT";

    public const string DefaultStandaloneUrl = "http://127.0.0.1:7071";

    public static WebApplication Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        ConfigureConfiguration(builder, args);
        ConfigureUrls(builder);
        // Per-request framework chatter stays out of the log; our own events and warnings stay in.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        ConfigureServices(builder.Services);

        var app = builder.Build();
        ConfigurePipeline(app);
        MapEndpoints(app);
        return app;
    }

    private static void ConfigureConfiguration(WebApplicationBuilder builder, string[] args)
    {
        // local.settings.json (the Core Tools file) sits under the environment, which always wins.
        builder.Configuration.AddLocalSettings(Path.Combine(builder.Environment.ContentRootPath, "local.settings.json"));
        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddCommandLine(args);
    }

    private static void ConfigureUrls(WebApplicationBuilder builder)
    {
        var hostPort = builder.Configuration[CustomHandlerPortVariable];
        if (!string.IsNullOrEmpty(hostPort))
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{hostPort}");
        }
        else if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls(DefaultStandaloneUrl);
        }
    }

    internal static void ConfigureServices(IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddMfaOptions();
        services.AddOptions<QueueDrainOptions>().BindConfiguration("Mfa:Queues")
            .Configure<IConfiguration>((o, config) => o.Enabled &= string.IsNullOrEmpty(config[CustomHandlerPortVariable]));

        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        services.AddJsonContext(WireJson.Default);
        services.AddJsonContext(SessionJson.Default);
        services.AddJsonContext(SessionEndpointJson.Default);
        services.AddJsonContext(SignInJson.Default);
        services.AddJsonContext(UserJson.Default);
        services.AddProblemDetails();
        services.AddOpenApi("v1");
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>().Configure<Microsoft.Extensions.Options.IOptions<MfaOptions>>((cors, mfa) =>
            cors.AddDefaultPolicy(policy => policy
                .WithOrigins([.. mfa.Value.Cors.AllowedOrigins])
                .WithMethods("GET", "POST", "PATCH", "DELETE")
                .WithHeaders("Authorization", "Content-Type")
                .WithExposedHeaders("Retry-After")
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));

        services.AddMfaStorage();
        services.AddSingleton<SecretProtector>();
        services.AddSingleton<KeyedHash>();
        services.AddSingleton<SessionTokens>();
        services.AddSingleton<SecretKeyFilter>();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<StepUp>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<SignInStore>();
        services.AddSingleton<ClientTokens>();
        services.AddSingleton<SecurityEventLog>();

        // Each feature registers its own services and its JSON context.
        services.AddTotp();
        services.AddBackupCodes();
        services.AddSecurity();
        services.AddPhoneNumbers();
        services.AddSms();
        services.AddMfaTelemetry();

        services.AddSingleton<QueueDrainer>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueDrainer>());
    }

    private static void ConfigurePipeline(WebApplication app)
    {
        app.UseErrorEnvelope();
        app.UseMethodOverride();
        // Explicit, so that routing sees the tunnelled verb.
        app.UseRouting();
        app.UseCors();
        app.UseSessionAuthentication();
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.MapHealth();
        app.MapJwks();
        app.MapOpenApi("/openapi/{documentName}.json").WithName("GetOpenApi");
        app.MapBackendSignIns();
        app.MapClientSignIns();
        app.MapBackendUsers();
        app.MapBackendSessions();
        app.MapMeGroup().MapMe().MapSessions().MapTotp().MapBackupCodes().MapPhoneNumbers();
        app.MapQueueFunctions();
    }
}
