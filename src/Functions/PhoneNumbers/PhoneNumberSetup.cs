using FunctionsMfa.Functions.SignIns.SecondFactors;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>The phone-number feature's services.</summary>
internal static class PhoneNumberSetup
{
    public static IServiceCollection AddPhoneNumbers(this IServiceCollection services)
    {
        services.AddSingleton<PhoneNumberStore>();
        services.AddSingleton<ISecondFactorStrategy, PhoneCodeSecondFactor>();
        // First in the chain: after the reflection resolver it would never be asked, and under Native AOT reflection
        // cannot build these records' constructor converters (found by an AOT smoke run: 500 on prepare_verification).
        services.AddJsonContext(PhoneNumberJson.Default);
        return services;
    }
}
