using System.Text.Json;
using System.Text.Json.Serialization;
using FunctionsMfa.Domain.Phone;
using FunctionsMfa.Domain.SignIns;
using FunctionsMfa.Functions.Users;

namespace FunctionsMfa.Functions.SignIns;

/// <summary>Clerk's <c>sign_in_attempt</c>, plus <c>client_token</c> (on creation) and <c>session_token</c> (on completion).</summary>
internal sealed record SignInAttemptResource
{
    public string Object => "sign_in_attempt";

    public required string Id { get; init; }

    public required string Status { get; init; }

    public required IReadOnlyList<SupportedSecondFactor> SupportedSecondFactors { get; init; }

    public SecondFactorVerificationResource? SecondFactorVerification { get; init; }

    public string? CreatedSessionId { get; init; }

    public required long AbandonAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ClientToken { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SessionToken { get; init; }

    /// <summary>The sign-in as seen at <paramref name="now"/>: one past its <c>abandon_at</c> reads as abandoned.</summary>
    public static SignInAttemptResource From(SignInRecord signIn, UserSnapshot user, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(signIn);
        var status = SignInStateMachine.Observe(signIn.Status, signIn.AbandonAt, now);
        return new SignInAttemptResource
        {
            Id = signIn.Id,
            Status = status.ToWire(),
            SupportedSecondFactors = status == SignInStatus.NeedsSecondFactor ? SupportedSecondFactor.For(user) : [],
            SecondFactorVerification = signIn.SecondFactor is { } sf ? SecondFactorVerificationResource.From(sf, now) : null,
            CreatedSessionId = signIn.CreatedSessionId,
            AbandonAt = signIn.AbandonAt.ToUnixTimeMilliseconds(),
        };
    }
}

internal sealed record SupportedSecondFactor(string Strategy)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PhoneNumberId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? SafeIdentifier { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? Default { get; init; }

    public static IReadOnlyList<SupportedSecondFactor> For(UserSnapshot user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var factors = user.Factors;
        var list = new List<SupportedSecondFactor>();
        if (factors.TotpEnabled)
        {
            list.Add(new SupportedSecondFactor("totp"));
        }

        foreach (var phoneId in factors.SecondFactorPhoneIds)
        {
            var phone = user.Phones.Single(p => p.Id == phoneId);
            list.Add(new SupportedSecondFactor("phone_code")
            {
                PhoneNumberId = phoneId,
                SafeIdentifier = PhoneMask.Mask(phone.PhoneNumber),
                Default = phone.DefaultSecondFactor,
            });
        }

        if (factors.BackupCodeEnabled)
        {
            list.Add(new SupportedSecondFactor("backup_code"));
        }

        return list;
    }
}

internal sealed record SecondFactorVerificationResource(string Status, string Strategy, int? Attempts, long? ExpireAt)
{
    /// <summary>Clerk sends the last error here; this service answers errors in the envelope instead.</summary>
    public Wire.ErrorBody? Error => null;

    /// <summary>As seen at <paramref name="now"/>: an unverified code past its <c>expire_at</c> reads as expired, stored or not.</summary>
    public static SecondFactorVerificationResource From(SecondFactorState state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var status = state is { Status: "unverified", ExpireAt: { } expireAt } && now >= expireAt ? "expired" : state.Status;
        return new SecondFactorVerificationResource(status, state.Strategy, state.Attempts, state.ExpireAt?.ToUnixTimeMilliseconds());
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(SignInAttemptResource))]
internal sealed partial class SignInJson : JsonSerializerContext;
