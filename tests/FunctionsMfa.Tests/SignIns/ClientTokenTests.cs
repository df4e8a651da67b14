using System.Buffers.Text;
using System.Text;
using FunctionsMfa.Functions.SignIns;
using FunctionsMfa.Tests.Infrastructure;

namespace FunctionsMfa.Tests.SignIns;

/// <summary>
/// The client token names its user so the service can read the user's partition while it reads the sign-in. The name
/// is a hint: the whole token is what its hash checks, so a token whose user part was changed opens nothing, and it
/// is answered exactly as an unknown sign-in is.
/// </summary>
public sealed class ClientTokenTests(MfaAppFactory app) : IClassFixture<MfaAppFactory>
{
    [Fact]
    public async Task A_client_token_whose_user_was_swapped_opens_nothing_and_looks_like_an_unknown_sign_in()
    {
        var user = await app.EnrolAsync(Wire.NewUserId());
        var other = await app.EnrolAsync(Wire.NewUserId());
        var signIn = await app.StartSignInAsync(user.UserId);
        Assert.Equal(user.UserId, ClientTokens.UserOf(signIn.ClientToken));

        var random = signIn.ClientToken[..signIn.ClientToken.IndexOf('.', StringComparison.Ordinal)];
        var swapped = random + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(other.UserId));
        var unknown = await app.ClientWithToken(signIn.ClientToken).GetAsync($"/v1/client/sign_ins/sia_{Guid.NewGuid():N}");
        var unknownBody = await unknown.Content.ReadAsStringAsync();
        foreach (var forged in new[] { swapped, random, signIn.ClientToken + "x", random + ".!!" })
        {
            var client = app.ClientWithToken(forged);
            var read = await client.GetAsync($"/v1/client/sign_ins/{signIn.Id}");
            Assert.Equal(unknown.StatusCode, read.StatusCode);
            Assert.Equal(Strip(unknownBody), Strip(await read.Content.ReadAsStringAsync()));
            var attempt = await app.AttemptAsync(new StartedSignIn(signIn.Id, forged, signIn.Body), "backup_code", other.BackupCodes[0]);
            await attempt.ErrorAsync(404, "resource_not_found");
        }

        // The real token still works, and the other user's codes were never judged against anyone.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.AttemptAsync(signIn, "backup_code", user.BackupCodes[0])).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await app.AttemptAsync(await app.StartSignInAsync(other.UserId), "backup_code", other.BackupCodes[0])).StatusCode);
    }

    /// <summary>The envelope without its per-request trace id.</summary>
    private static string Strip(string body) => System.Text.RegularExpressions.Regex.Replace(body, "\"trace_id\":\"[^\"]*\"", string.Empty);
}
