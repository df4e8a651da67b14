using FunctionsMfa.Functions.Wire;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.SignIns.SecondFactors;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Security;

/// <summary>The failure budget and lockout, and the backend's user routes (unlock, reset, events).</summary>
internal static class SecuritySetup
{
    public static IServiceCollection AddSecurity(this IServiceCollection services)
    {
        services.AddOptions<LockoutOptions>().BindConfiguration(LockoutOptions.Section)
            .Validate(o => o.Duration > TimeSpan.Zero, "Mfa:Lockout:Duration must be positive.")
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<LockoutOptions>, LockoutOptionsValidator>();
        services.AddSingleton<FailureBudgetStore>();

        // The second-factor sign-in spends this budget; its dispatch and strategies are registered with it.
        services.AddSecondFactorSignIns();
        services.AddJsonContext(SecurityJson.Default);
        return services;
    }

    public static IEndpointRouteBuilder MapBackendUsers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/users/{user_id}").RequireSecretKey().WithTags("Users (backend)");
        group.MapGet("/", BackendUserEndpoints.GetAsync).WithName("GetUser");
        group.MapPost("/unlock", BackendUserEndpoints.UnlockAsync).WithName("UnlockUser");
        group.MapDelete("/mfa", BackendUserEndpoints.ResetAsync).WithName("ResetUserMfa");
        group.MapGet("/events", BackendUserEndpoints.ListEventsAsync).WithName("ListUserEvents");
        return app;
    }
}

[OptionsValidator]
internal sealed partial class LockoutOptionsValidator : IValidateOptions<LockoutOptions>;
