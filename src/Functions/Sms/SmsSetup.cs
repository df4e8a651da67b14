using Microsoft.Extensions.Options;

namespace FunctionsMfa.Functions.Sms;

/// <summary>The SMS path: the queue, the <c>SendSmsCode</c> queue function and the providers.</summary>
internal static class SmsSetup
{
    public static IServiceCollection AddSms(this IServiceCollection services)
    {
        services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.Section)
            .Validate(o => o.Provider is "File" or "Acs", "Mfa:Sms:Provider must be File or Acs.")
            .Validate(o => o.MaxAttempts > 0 && o.CodeLifetime > TimeSpan.Zero, "Mfa:Sms code rules must be positive.")
            .Validate(o => o.PerNumberPerHour > 0 && o.PerUserPerDay > 0 && o.MinInterval >= TimeSpan.Zero, "Mfa:Sms limits must be positive.")
            .Validate(o => o.AllowedNumberTypesAreKnown, "Mfa:Sms:AllowedNumberTypes holds a name that is not a libphonenumber type (MOBILE, FIXED_LINE_OR_MOBILE, FIXED_LINE…).")
            .Validate(o => o.MaxPhoneNumbersPerUser is > 0 and <= 50, "Mfa:Sms:MaxPhoneNumbersPerUser must be 1 to 50.")
            .ValidateOnStart();
        services.AddSingleton<SmsDestinations>();
        services.AddSingleton<SmsLimitStore>();
        services.AddSingleton<SmsCodeQueue>();
        services.AddSingleton<SmsCodeDispatch>();
        services.AddSingleton<ISmsProvider>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<SmsOptions>>().Value;
            var time = sp.GetRequiredService<TimeProvider>();
            return options.Provider == "Acs"
                ? AcsSmsClient.Create(options.Acs, time)
                : new FileSmsProvider(sp.GetRequiredService<IOptions<SmsOptions>>(), time);
        });
        return services;
    }
}
