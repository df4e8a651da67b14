using FunctionsMfa.Functions.Wire;
using FunctionsMfa.Functions.SignIns.SecondFactors;

namespace FunctionsMfa.Functions.PhoneNumbers;

/// <summary>The phone-number feature's services and routes (under <c>/v1/me</c>).</summary>
internal static class PhoneNumberSetup
{
    public static IServiceCollection AddPhoneNumbers(this IServiceCollection services)
    {
        services.AddSingleton<PhoneNumberStore>();
        // The phone_code strategy reads the prepare request's Accept-Language for the SMS template.
        services.AddHttpContextAccessor();
        services.AddSingleton<ISecondFactorStrategy, PhoneCodeSecondFactor>();
        // First in the chain: after the reflection resolver it would never be asked, and under Native AOT reflection
        // cannot build these records' constructor converters (found by an AOT smoke run: 500 on prepare_verification).
        services.AddJsonContext(PhoneNumberJson.Default);
        return services;
    }

    public static RouteGroupBuilder MapPhoneNumbers(this RouteGroupBuilder me)
    {
        var phones = me.MapGroup("/phone_numbers").WithTags("Phone numbers (session)");
        phones.MapPost("/", AddPhoneNumber.HandleAsync).WithName("AddPhoneNumber");
        phones.MapPost("/{id}/prepare_verification", PreparePhoneNumberVerification.HandleAsync).WithName("PreparePhoneNumberVerification");
        phones.MapPost("/{id}/attempt_verification", AttemptPhoneNumberVerification.HandleAsync).WithName("AttemptPhoneNumberVerification");
        phones.MapPatch("/{id}", UpdatePhoneNumber.HandleAsync).WithName("UpdatePhoneNumber");
        phones.MapDelete("/{id}", DeletePhoneNumber.HandleAsync).WithName("DeletePhoneNumber");
        return me;
    }
}
