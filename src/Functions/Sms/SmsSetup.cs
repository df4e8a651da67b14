namespace FunctionsMfa.Functions.Sms;

/// <summary>The SMS path: the queue, the <c>SendSmsCode</c> queue function and the providers.</summary>
internal static class SmsSetup
{
    public static IServiceCollection AddSms(this IServiceCollection services) => services;
}
