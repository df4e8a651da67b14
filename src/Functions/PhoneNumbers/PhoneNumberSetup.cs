namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>The phone-number feature's services and routes (under <c>/v1/me</c>).</summary>
internal static class PhoneNumberSetup
{
    public static IServiceCollection AddPhoneNumbers(this IServiceCollection services) => services;

    public static RouteGroupBuilder MapPhoneNumbers(this RouteGroupBuilder me) => me;
}
