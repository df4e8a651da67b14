using System.Net;
using FunctionsMfa.Tests.Infrastructure;
using FunctionsMfa.Tests.SignIns;

namespace FunctionsMfa.Tests.Sessions;

/// <summary>Sessions end at once: sign-out, the backend's revocation, a support reset and a removed factor, tried with the old token.</summary>
public sealed class SessionEndTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Signing_out_refuses_the_token_at_once()
    {
        var (sessionId, token) = await PasswordOnlySessionAsync(Wire.NewUserId());
        var client = app.ClientWithToken(token);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/me")).StatusCode);

        var ended = await client.PostAsync($"/v1/me/sessions/{sessionId}/end", null);
        var body = await ended.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, ended.StatusCode);
        Assert.Equal("session", body.GetProperty("object").GetString());
        Assert.Equal("ended", body.GetProperty("status").GetString());

        await (await client.GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
        await (await client.PostAsync("/v1/me/totp", null)).ErrorAsync(401, "authentication_invalid");
        await (await client.PostAsync($"/v1/me/sessions/{sessionId}/end", null)).ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task Another_users_session_cannot_be_ended_and_looks_unknown()
    {
        var (aliceSession, aliceToken) = await PasswordOnlySessionAsync(Wire.NewUserId());
        var (_, malloryToken) = await PasswordOnlySessionAsync(Wire.NewUserId());

        await (await app.ClientWithToken(malloryToken).PostAsync($"/v1/me/sessions/{aliceSession}/end", null)).ErrorAsync(404, "resource_not_found");
        await (await app.ClientWithToken(malloryToken).PostAsync("/v1/me/sessions/sess_unknown/end", null)).ErrorAsync(404, "resource_not_found");
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(aliceToken).GetAsync("/v1/me")).StatusCode);
    }

    [Fact]
    public async Task The_backend_revokes_a_session_and_its_token_is_refused_at_once()
    {
        var userId = Wire.NewUserId();
        var (sessionId, token) = await PasswordOnlySessionAsync(userId);

        // Only the backend may: a session token is not a secret key.
        await (await app.ClientWithToken(token).PostAsync($"/v1/sessions/{sessionId}/revoke", null)).ErrorAsync(401, "authentication_invalid");
        var revoked = await app.BackendClient().PostAsync($"/v1/sessions/{sessionId}/revoke", null);
        var body = await revoked.JsonAsync();
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal("revoked", body.GetProperty("status").GetString());
        Assert.Equal(userId, body.GetProperty("user_id").GetString());

        await (await app.ClientWithToken(token).GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
        await (await app.BackendClient().PostAsync($"/v1/sessions/{sessionId}/revoke", null)).ErrorAsync(404, "resource_not_found");
        await (await app.BackendClient().PostAsync("/v1/sessions/sess_nosuchsession/revoke", null)).ErrorAsync(404, "resource_not_found");
        Assert.Contains(await app.EventsAsync(userId), e => e.GetProperty("type").GetString() == "session.revoked");
    }

    [Fact]
    public async Task After_a_support_reset_an_old_password_only_session_cannot_enrol_a_new_authenticator()
    {
        var userId = Wire.NewUserId();
        // The attacker's session from before the user had a second factor (the password was known).
        var (_, oldToken) = await PasswordOnlySessionAsync(userId);
        await app.EnrolAsync(userId);

        var reset = await app.BackendClient().DeleteAsync($"/v1/users/{userId}/mfa");
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);

        // The user has no factor now, so without the session check this would need no step-up and succeed.
        await (await app.ClientWithToken(oldToken).PostAsync("/v1/me/totp", null)).ErrorAsync(401, "authentication_invalid");
        var me = await app.BackendUserAsync(userId);
        Assert.False(me.GetProperty("totp_enabled").GetBoolean());
    }

    [Fact]
    public async Task Removing_the_authenticator_ends_the_users_other_sessions_but_not_the_one_that_removed_it()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var here = await TotpSessionAsync(user);
        app.Time.Advance(TimeSpan.FromSeconds(30));
        var elsewhere = await TotpSessionAsync(user);

        var deleted = await app.ClientWithToken(here).DeleteAsync("/v1/me/totp");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(here).GetAsync("/v1/me")).StatusCode);
        await (await app.ClientWithToken(elsewhere).GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task Expired_session_rows_are_cleaned_up_by_the_next_sign_in()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        for (var i = 0; i < 3; i++)
        {
            app.Time.Advance(TimeSpan.FromSeconds(30));
            await TotpSessionAsync(user);
        }

        Assert.Equal(4, (await Totp.TotpApi.PartitionAsync(app, user.UserId)).Keys.Count(k => k.StartsWith("session_", StringComparison.Ordinal)));
        app.Time.Advance(TimeSpan.FromMinutes(11));
        var token = await TotpSessionAsync(user);

        var sessions = (await Totp.TotpApi.PartitionAsync(app, user.UserId)).Keys.Where(k => k.StartsWith("session_", StringComparison.Ordinal)).ToList();
        Assert.Single(sessions);
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(token).GetAsync("/v1/me")).StatusCode);
    }

    /// <summary>A real sign-in of a user without a second factor: a password-only session.</summary>
    private async Task<(string SessionId, string Token)> PasswordOnlySessionAsync(string userId)
    {
        var response = await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId });
        var body = await response.JsonAsync();
        Assert.Equal("complete", body.GetProperty("status").GetString());
        return (body.GetProperty("created_session_id").GetString()!, body.GetProperty("session_token").GetString()!);
    }

    /// <summary>A real TOTP sign-in: its session token.</summary>
    private async Task<string> TotpSessionAsync(EnrolledUser user)
    {
        var signIn = await app.StartSignInAsync(user.UserId);
        var attempt = await app.AttemptAsync(signIn, "totp", app.TotpCode(user.TotpSecret));
        var body = await attempt.JsonAsync();
        Assert.True(attempt.IsSuccessStatusCode, body.ToString());
        return body.GetProperty("session_token").GetString()!;
    }
}
