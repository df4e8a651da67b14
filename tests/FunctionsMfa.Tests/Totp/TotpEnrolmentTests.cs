using System.Net;
using System.Text;
using System.Text.Json;
using FunctionsMfa.Functions.Events;
using FunctionsMfa.Functions.Totp;
using FunctionsMfa.Tests.Infrastructure;
using OtpNet;

namespace FunctionsMfa.Tests.Totp;

public sealed class TotpEnrolmentTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task Create_returns_a_160_bit_secret_its_otpauth_uri_and_an_unverified_totp()
    {
        var userId = Wire.NewUserId();
        var now = app.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var (secret, body) = await app.ClientWithToken(app.SessionToken(userId)).CreateTotpAsync();

        Assert.Equal("totp", body.GetProperty("object").GetString());
        Assert.StartsWith("totp_", body.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Matches("^[A-Z2-7]{32}$", secret);
        Assert.Equal(20, Base32Encoding.ToBytes(secret).Length);
        Assert.Equal(
            $"otpauth://totp/FunctionsMfa%20Test:{userId}?secret={secret}&issuer=FunctionsMfa%20Test&algorithm=SHA1&digits=6&period=30",
            body.GetProperty("uri").GetString());
        Assert.False(body.GetProperty("verified").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("backup_codes").ValueKind);
        Assert.Equal(now, body.GetProperty("created_at").GetInt64());
        Assert.Equal(now, body.GetProperty("updated_at").GetInt64());
    }

    [Fact]
    public async Task The_qr_code_rendered_to_png_reads_back_as_the_uri()
    {
        var (_, body) = await app.ClientWithToken(app.SessionToken(Wire.NewUserId())).CreateTotpAsync();
        var decoded = ExternalTools.DecodeQrDataUri(body.GetProperty("qr_code").GetString()!);
        Assert.Equal(body.GetProperty("uri").GetString(), decoded);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Oathtool_codes_from_the_previous_current_and_next_step_verify(int steps)
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, created) = await client.CreateTotpAsync();

        var response = await client.VerifyTotpAsync(app.CodeAt(secret, steps));

        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("totp", body.GetProperty("object").GetString());
        Assert.Equal(created.GetProperty("id").GetString(), body.GetProperty("id").GetString());
        Assert.True(body.GetProperty("verified").GetBoolean());
        // Shown once: the secret never comes back after creation.
        Assert.Equal(JsonValueKind.Null, body.GetProperty("secret").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("uri").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("qr_code").ValueKind);
        // The user had no backup codes, so the first set comes back here, once.
        Assert.Equal(10, body.GetProperty("backup_codes").GetArrayLength());

        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.True(me.GetProperty("totp_enabled").GetBoolean());
        Assert.True(me.GetProperty("two_factor_enabled").GetBoolean());
    }

    [Theory]
    [InlineData(-2)]
    [InlineData(2)]
    [InlineData(-3)]
    public async Task Oathtool_codes_two_or_more_steps_away_are_incorrect(int steps)
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, _) = await client.CreateTotpAsync();
        var before = await app.TotpEntityAsync(userId);

        var error = await (await client.VerifyTotpAsync(app.CodeAt(secret, steps))).ErrorAsync(422, "form_code_incorrect");

        Assert.Equal("code", error.GetProperty("meta").GetProperty("param_name").GetString());
        Assert.Equal(before!.ETag, (await app.TotpEntityAsync(userId))!.ETag);
        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.False(me.GetProperty("totp_enabled").GetBoolean());
    }

    [Fact]
    public async Task The_verifier_accepts_the_window_in_order_and_refuses_each_code_again()
    {
        var userId = Wire.NewUserId();
        var secret = await app.EnrolAsync(userId);
        app.Time.Advance(TimeSpan.FromSeconds(90));

        // The enrolment step (now three steps back) and the step two back are out; -1, 0, +1 count once each.
        Assert.Equal(TotpCheck.Incorrect, await app.VerifyAndConsumeAsync(userId, app.CodeAt(secret, -2), default));
        foreach (var steps in new[] { -1, 0, 1 })
        {
            var code = app.CodeAt(secret, steps);
            Assert.Equal(TotpCheck.Accepted, await app.VerifyAndConsumeAsync(userId, code, default));
            Assert.Equal(TotpCheck.Incorrect, await app.VerifyAndConsumeAsync(userId, code, default));
        }

        Assert.Equal(TotpCheck.Incorrect, await app.VerifyAndConsumeAsync(userId, app.CodeAt(secret, 2), default));
        Assert.Equal(TotpCheck.FormatInvalid, await app.VerifyAndConsumeAsync(userId, "12 345", default));
        Assert.Equal(TotpCheck.NotEnabled, await app.VerifyAndConsumeAsync(Wire.NewUserId(), "123456", default));
    }

    [Fact]
    public async Task The_enrolment_code_counts_as_used()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, _) = await client.CreateTotpAsync();
        var code = app.CodeAt(secret);
        Assert.Equal(HttpStatusCode.OK, (await client.VerifyTotpAsync(code)).StatusCode);

        Assert.Equal(TotpCheck.Incorrect, await app.VerifyAndConsumeAsync(userId, code, default));
        Assert.Equal(TotpCheck.Incorrect, await app.VerifyAndConsumeAsync(userId, app.CodeAt(secret, -1), default));
        Assert.Equal(TotpCheck.Accepted, await app.VerifyAndConsumeAsync(userId, app.CodeAt(secret, 1), default));
    }

    [Fact]
    public async Task An_unverified_totp_is_not_enabled_for_sign_in()
    {
        var userId = Wire.NewUserId();
        var (secret, _) = await app.ClientWithToken(app.SessionToken(userId)).CreateTotpAsync();
        Assert.Equal(TotpCheck.NotEnabled, await app.VerifyAndConsumeAsync(userId, app.CodeAt(secret), default));
    }

    [Fact]
    public async Task Creating_again_while_unverified_replaces_the_secret()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (first, firstBody) = await client.CreateTotpAsync();
        var (second, secondBody) = await client.CreateTotpAsync();

        Assert.NotEqual(first, second);
        Assert.NotEqual(firstBody.GetProperty("id").GetString(), secondBody.GetProperty("id").GetString());
        await (await client.VerifyTotpAsync(app.CodeAt(first))).ErrorAsync(422, "form_code_incorrect");
        var verified = await (await client.VerifyTotpAsync(app.CodeAt(second))).JsonAsync();
        Assert.Equal(secondBody.GetProperty("id").GetString(), verified.GetProperty("id").GetString());
        Assert.True(verified.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task Creating_or_verifying_again_with_a_verified_totp_is_refused()
    {
        var userId = Wire.NewUserId();
        var secret = await app.EnrolAsync(userId);
        var before = await app.TotpEntityAsync(userId);
        var client = app.ClientWithToken(app.SessionToken(userId));

        await (await client.PostAsync("/v1/me/totp", null)).ErrorAsync(400, "totp_already_enabled");
        await (await client.VerifyTotpAsync(app.CodeAt(secret, 1))).ErrorAsync(400, "totp_already_enabled");

        var after = await app.TotpEntityAsync(userId);
        Assert.Equal(before!.ETag, after!.ETag);
    }

    [Fact]
    public async Task Delete_removes_the_totp_and_later_calls_find_nothing()
    {
        var userId = Wire.NewUserId();
        var secret = await app.EnrolAsync(userId);
        var id = (await app.TotpEntityAsync(userId))!.GetString("Id");
        var client = app.ClientWithToken(app.SessionToken(userId));

        var body = await (await client.DeleteAsync("/v1/me/totp")).JsonAsync();

        Assert.Equal("totp", body.GetProperty("object").GetString());
        Assert.Equal(id, body.GetProperty("id").GetString());
        Assert.True(body.GetProperty("deleted").GetBoolean());
        Assert.Null(await app.TotpEntityAsync(userId));
        var me = await (await client.GetAsync("/v1/me")).JsonAsync();
        Assert.False(me.GetProperty("totp_enabled").GetBoolean());
        Assert.False(me.GetProperty("two_factor_enabled").GetBoolean());
        Assert.Equal(TotpCheck.NotEnabled, await app.VerifyAndConsumeAsync(userId, app.CodeAt(secret, 1), default));
        await (await client.DeleteAsync("/v1/me/totp")).ErrorAsync(404, "resource_not_found");
        await (await client.VerifyTotpAsync(app.CodeAt(secret, 1))).ErrorAsync(404, "resource_not_found");

        // A new enrolment starts over with a new secret.
        var (again, _) = await client.CreateTotpAsync();
        Assert.NotEqual(secret, again);
    }

    [Fact]
    public async Task Delete_is_reachable_through_the_method_tunnel()
    {
        var userId = Wire.NewUserId();
        await app.EnrolAsync(userId);
        var response = await app.ClientWithToken(app.SessionToken(userId)).PostAsync("/v1/me/totp?_method=DELETE", null);
        Assert.True((await response.JsonAsync()).GetProperty("deleted").GetBoolean());
        Assert.Null(await app.TotpEntityAsync(userId));
    }

    [Fact]
    public async Task Verifying_without_a_totp_is_not_found()
    {
        var client = app.ClientWithToken(app.SessionToken(Wire.NewUserId()));
        await (await client.VerifyTotpAsync("123456")).ErrorAsync(404, "resource_not_found");
        await (await client.DeleteAsync("/v1/me/totp")).ErrorAsync(404, "resource_not_found");
    }

    [Fact]
    public async Task Another_users_token_cannot_see_or_change_the_secret()
    {
        var alice = Wire.NewUserId();
        var secret = await app.EnrolAsync(alice);
        var before = await app.TotpEntityAsync(alice);
        var bob = app.ClientWithToken(app.SessionToken(Wire.NewUserId()));

        await (await bob.VerifyTotpAsync(app.CodeAt(secret, 1))).ErrorAsync(404, "resource_not_found");
        await (await bob.DeleteAsync("/v1/me/totp")).ErrorAsync(404, "resource_not_found");
        var me = await (await bob.GetAsync("/v1/me")).JsonAsync();
        Assert.False(me.GetProperty("totp_enabled").GetBoolean());
        var (bobSecret, _) = await bob.CreateTotpAsync();
        Assert.NotEqual(secret, bobSecret);

        var after = await app.TotpEntityAsync(alice);
        Assert.Equal(before!.ETag, after!.ETag);
        Assert.Equal(TotpCheck.Accepted, await app.VerifyAndConsumeAsync(alice, app.CodeAt(secret, 1), default));
    }

    [Fact]
    public async Task The_stored_entity_holds_the_secret_only_as_ciphertext()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, body) = await client.CreateTotpAsync();
        Assert.Equal(HttpStatusCode.OK, (await client.VerifyTotpAsync(app.CodeAt(secret))).StatusCode);
        var raw = Base32Encoding.ToBytes(secret);

        var entity = (await app.TotpEntityAsync(userId))!;

        Assert.Equal(body.GetProperty("id").GetString(), entity.GetString("Id"));
        Assert.Equal("dev1", entity.GetString("KeyId"));
        Assert.True(entity.GetBoolean("Verified"));
        Assert.Equal(app.Time.GetUtcNow().ToUnixTimeSeconds() / 30, entity.GetInt64("LastStep"));
        Assert.Equal(12 + 20 + 16, entity.GetBinary("Ciphertext").Length);
        var forms = new[]
        {
            raw, Encoding.ASCII.GetBytes(secret), Encoding.ASCII.GetBytes(secret.ToLowerInvariant()),
            Encoding.ASCII.GetBytes(Convert.ToBase64String(raw)), Encoding.ASCII.GetBytes(Convert.ToHexString(raw)),
            Encoding.ASCII.GetBytes(Convert.ToHexStringLower(raw)),
        };
        foreach (var (name, value) in entity)
        {
            var bytes = value switch
            {
                byte[] b => b,
                BinaryData d => d.ToArray(),
                _ => Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty),
            };
            foreach (var form in forms)
            {
                Assert.True(bytes.AsSpan().IndexOf(form) < 0, $"Property {name} holds the secret in clear.");
            }
        }
    }

    [Fact]
    public async Task A_ciphertext_copied_into_another_users_row_does_not_open()
    {
        var alice = Wire.NewUserId();
        var mallory = Wire.NewUserId();
        var aliceSecret = await app.EnrolAsync(alice);
        await app.EnrolAsync(mallory);
        var aliceRow = (await app.TotpEntityAsync(alice))!;
        var malloryRow = (await app.TotpEntityAsync(mallory))!;
        malloryRow["Ciphertext"] = aliceRow.GetBinary("Ciphertext");
        await app.UsersTable().UpdateEntityAsync(malloryRow, malloryRow.ETag);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            app.VerifyAndConsumeAsync(mallory, app.CodeAt(aliceSecret, 1), default));
    }

    [Fact]
    public async Task Enrolment_events_are_audited_without_the_secret()
    {
        var userId = Wire.NewUserId();
        var secret = await app.EnrolAsync(userId);
        Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(app.SessionToken(userId)).DeleteAsync("/v1/me/totp")).StatusCode);

        var events = await app.Service<SecurityEventLog>().ListAsync(userId, 10, default);

        // Recorded within one fake-clock instant, so their order in the log is not asserted.
        Assert.Equal(["totp.deleted", "totp.enrolled", "totp.verified"], events.Select(e => e.Type).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.StartsWith("totp_", e.Data["totp_id"], StringComparison.Ordinal));
        Assert.DoesNotContain(events.SelectMany(e => e.Data.Values), v => v.Contains(secret, StringComparison.OrdinalIgnoreCase));
    }
}
