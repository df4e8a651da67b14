using System.Net;
using Azure.Data.Tables;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>Changing a second factor needs a recent second factor once the user has one.</summary>
public sealed class TotpStepUpTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Deleting_an_enabled_totp_with_an_old_second_factor_needs_reverification()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        var before = (await app.TotpEntityAsync(userId))!;

        await (await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 11)).DeleteAsync("/v1/me/totp"))
            .ErrorAsync(403, "session_reverification_required");
        await (await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: null)).DeleteAsync("/v1/me/totp"))
            .ErrorAsync(403, "session_reverification_required");

        Assert.Equal(before.ETag, (await app.TotpEntityAsync(userId))!.ETag);
        var fresh = await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 9)).DeleteAsync("/v1/me/totp");
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
    }

    [Fact]
    public async Task Creating_a_totp_when_another_factor_is_enabled_needs_reverification()
    {
        var userId = Wire.NewUserId();
        await app.UsersTable().AddEntityAsync(new TableEntity(userId, "phone_idn_test")
        {
            ["PhoneNumber"] = "+15555550100", ["Verified"] = true, ["ReservedForSecondFactor"] = true, ["DefaultSecondFactor"] = true,
        });

        await (await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 30)).PostAsync("/v1/me/totp", null))
            .ErrorAsync(403, "session_reverification_required");
        Assert.Null(await app.TotpEntityAsync(userId));

        var (_, body) = await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 1)).CreateTotpAsync();
        Assert.False(body.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task A_verified_totp_is_behind_step_up_before_already_enabled()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        await (await app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: 30)).PostAsync("/v1/me/totp", null))
            .ErrorAsync(403, "session_reverification_required");
    }

    [Fact]
    public async Task A_user_without_a_second_factor_needs_no_step_up()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId, secondFactorMinutesAgo: null));
        var (secret, _) = await client.CreateTotpAsync();
        // An unverified secret is not a factor yet, so removing it needs no step-up either.
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync("/v1/me/totp")).StatusCode);
        (secret, _) = await client.CreateTotpAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.VerifyTotpAsync(app.CodeAt(secret))).StatusCode);
    }
}
