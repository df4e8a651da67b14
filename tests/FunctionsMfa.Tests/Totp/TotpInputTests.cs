using System.Net;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>Malformed codes are refused in the envelope before anything is read or written.</summary>
public sealed class TotpInputTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    public static TheoryData<string, string> BadCodes => new()
    {
        { "{}", "form_param_missing" },
        { """{"code":null}""", "form_param_missing" },
        { """{"code":""}""", "form_param_missing" },
        { """{"code":"12345"}""", "form_param_format_invalid" },
        { """{"code":"1234567"}""", "form_param_format_invalid" },
        { """{"code":"12345a"}""", "form_param_format_invalid" },
        { """{"code":"abcdef"}""", "form_param_format_invalid" },
        { """{"code":" 123456"}""", "form_param_format_invalid" },
        { """{"code":"123456 "}""", "form_param_format_invalid" },
        { """{"code":"+12345"}""", "form_param_format_invalid" },
        { """{"code":"-12345"}""", "form_param_format_invalid" },
        { """{"code":"１２３４５６"}""", "form_param_format_invalid" },
        { """{"code":"١٢٣٤٥٦"}""", "form_param_format_invalid" },
        { """{"code":12345}""", "form_param_format_invalid" },
        { """{"code":true}""", "form_param_format_invalid" },
        { "{\"code\":\"" + new string('1', 10 * 1024) + "\"}", "form_param_format_invalid" },
        { """{"code":"123456","extra":"x"}""", "form_param_unknown" },
        { """{"code":{"a":1}}""", "request_body_invalid" },
        { """{"code":"123456""", "request_body_invalid" },
    };

    [Theory]
    [MemberData(nameof(BadCodes))]
    public async Task A_bad_code_is_refused_in_the_envelope_and_nothing_stored_changes(string json, string expectedCode)
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        await client.CreateTotpAsync();
        var before = (await app.TotpEntityAsync(userId))!;

        var response = await client.PostAsync(TotpApi.VerifyPath, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        var status = expectedCode == "request_body_invalid" ? 400 : 422;
        var error = await response.ErrorAsync(status, expectedCode);
        if (expectedCode is "form_param_missing" or "form_param_format_invalid")
        {
            Assert.Equal("code", error.GetProperty("meta").GetProperty("param_name").GetString());
        }

        var after = (await app.TotpEntityAsync(userId))!;
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(TotpApi.Snapshot(before), TotpApi.Snapshot(after));
    }

    [Fact]
    public async Task A_wrong_code_is_incorrect_and_nothing_stored_changes()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, _) = await client.CreateTotpAsync();
        var right = app.CodeAt(secret);
        var wrong = ((int.Parse(right, System.Globalization.CultureInfo.InvariantCulture) + 1) % 1_000_000).ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
        var before = (await app.TotpEntityAsync(userId))!;

        await (await client.VerifyTotpAsync(wrong)).ErrorAsync(422, "form_code_incorrect");

        var after = (await app.TotpEntityAsync(userId))!;
        Assert.Equal(before.ETag, after.ETag);
        Assert.Equal(TotpApi.Snapshot(before), TotpApi.Snapshot(after));
    }

    [Fact]
    public async Task A_form_encoded_code_verifies_as_clerk_clients_send_it()
    {
        var userId = Wire.NewUserId();
        var client = app.ClientWithToken(app.SessionToken(userId));
        var (secret, _) = await client.CreateTotpAsync();

        var response = await client.PostAsync(TotpApi.VerifyPath, Wire.Form(("code", app.CodeAt(secret))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task Create_refuses_unknown_parameters()
    {
        var userId = Wire.NewUserId();
        var response = await app.ClientWithToken(app.SessionToken(userId)).PostJsonAsync("/v1/me/totp", new { secret = "JBSWY3DPEHPK3PXP" });
        await response.ErrorAsync(422, "form_param_unknown");
        Assert.Null(await app.TotpEntityAsync(userId));
    }
}
