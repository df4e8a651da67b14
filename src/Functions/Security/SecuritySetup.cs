namespace FunctionsMfa.Functions.Security;

/// <summary>The failure budget and lockout, and the backend's user routes (unlock, reset, events).</summary>
internal static class SecuritySetup
{
    public static IServiceCollection AddSecurity(this IServiceCollection services) => services;

    public static IEndpointRouteBuilder MapBackendUsers(this IEndpointRouteBuilder app) => app;
}
