namespace FunctionsMfa.Functions.Totp;

/// <summary>The TOTP feature's services and routes (under <c>/v1/me</c>).</summary>
internal static class TotpSetup
{
    public static IServiceCollection AddTotp(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapTotp(this RouteGroupBuilder me) => me;
}
