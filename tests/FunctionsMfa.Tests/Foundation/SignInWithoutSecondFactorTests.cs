using System.Net;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.Foundation;

public sealed class SignInWithoutSecondFactorTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task A_user_without_a_second_factor_completes_at_once_with_a_working_session_token()
    {
        var userId = Wire.NewUserId();
        var created = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).JsonAsync();
        Assert.Equal("sign_in_attempt", created.GetProperty("object").GetString());
        Assert.Equal("complete", created.GetProperty("status").GetString());
        Assert.StartsWith("sia_", created.GetProperty("id").GetString());
        Assert.StartsWith("sess_", created.GetProperty("created_session_id").GetString());
        Assert.Equal(0, created.GetProperty("supported_second_factors").GetArrayLength());
        Assert.Equal(app.Time.GetUtcNow().AddMinutes(10).ToUnixTimeMilliseconds(), created.GetProperty("abandon_at").GetInt64());

        var token = created.GetProperty("session_token").GetString()!;
        var me = await (await app.ClientWithToken(token).GetAsync("/v1/me")).JsonAsync();
        Assert.Equal(userId, me.GetProperty("id").GetString());

        var read = await (await app.BackendClient().GetAsync($"/v1/sign_ins/{created.GetProperty("id").GetString()}")).JsonAsync();
        Assert.Equal("complete", read.GetProperty("status").GetString());
        Assert.False(read.TryGetProperty("session_token", out _));
        Assert.False(read.TryGetProperty("client_token", out _));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("hash#inside")]
    [InlineData("")]
    public async Task A_user_id_that_cannot_be_a_key_is_refused(string userId)
    {
        var response = await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public async Task A_user_id_that_is_a_dot_segment_is_refused_because_no_users_route_could_reach_it(string userId)
    {
        var error = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId })).ErrorAsync(422, "form_param_format_invalid");
        Assert.Equal("user_id", error.GetProperty("meta").GetProperty("param_name").GetString());
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("...")]
    [InlineData(".hidden")]
    public async Task A_user_id_with_dots_that_is_not_a_dot_segment_works_on_the_users_routes(string userId)
    {
        var created = await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = userId });
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var user = await (await app.BackendClient().GetAsync($"/v1/users/{userId}")).JsonAsync();
        Assert.Equal(userId, user.GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_unknown_sign_in_and_a_wrong_client_token_look_the_same()
    {
        var created = await (await app.BackendClient().PostJsonAsync("/v1/sign_ins", new { user_id = Wire.NewUserId() })).JsonAsync();
        var id = created.GetProperty("id").GetString()!;
        var clientToken = created.GetProperty("client_token").GetString()!;

        var right = await app.ClientWithToken(clientToken).GetAsync($"/v1/client/sign_ins/{id}");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);

        var wrongToken = await app.ClientWithToken("ct_" + new string('a', 52)).GetAsync($"/v1/client/sign_ins/{id}");
        var unknownId = await app.ClientWithToken(clientToken).GetAsync("/v1/client/sign_ins/sia_" + new string('b', 26));
        var a = await wrongToken.ErrorAsync(404, "resource_not_found");
        var b = await unknownId.ErrorAsync(404, "resource_not_found");
        Assert.Equal(a.ToString(), b.ToString());
    }
}
