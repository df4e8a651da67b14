using System.Net;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Totp;

/// <summary>The otpauth label is the app's <c>user_label</c> from the latest sign-in that gave one, else the user id.</summary>
public sealed class TotpLabelTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task The_uri_names_the_user_label_escaped_and_the_qr_code_carries_it()
    {
        var userId = Wire.NewUserId();
        const string label = "Alice Ops:alice+ops@example.com";
        Assert.Equal(HttpStatusCode.OK, (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId, user_label = "old label" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId, user_label = label })).StatusCode);

        var (_, body) = await app.ClientWithToken(app.SessionToken(userId)).CreateTotpAsync();
        var uri = body.GetProperty("uri").GetString()!;
        Assert.StartsWith($"otpauth://totp/FunctionsMfa%20Test:{Uri.EscapeDataString(label)}?", uri, StringComparison.Ordinal);
        Assert.Equal(uri, ExternalTools.DecodeQrDataUri(body.GetProperty("qr_code").GetString()!));
    }

    [Fact]
    public async Task Without_a_label_the_uri_names_the_user_id()
    {
        var userId = Wire.NewUserId();
        var (_, body) = await app.ClientWithToken(app.SessionToken(userId)).CreateTotpAsync();
        Assert.StartsWith($"otpauth://totp/FunctionsMfa%20Test:{userId}?", body.GetProperty("uri").GetString()!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("line\nbreak")]
    public async Task A_label_that_cannot_be_shown_is_refused(string label)
    {
        var response = await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = Wire.NewUserId(), user_label = label });
        var error = await response.ErrorAsync(422, "form_param_format_invalid");
        Assert.Equal("user_label", error.GetProperty("meta").GetProperty("param_name").GetString());
    }
}
