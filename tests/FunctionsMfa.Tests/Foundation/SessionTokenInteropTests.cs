using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FunctionsMfa.Functions.Auth;
using FunctionsMfa.Functions.Sessions;
using FunctionsMfa.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FunctionsMfa.Tests.Foundation;

/// <summary>
/// The app on a real Kestrel socket (127.0.0.1, a free port) in the middle of a signing-key rotation: the new key signs,
/// the old one is still published and accepted.
/// </summary>
public sealed class RotatingKeysKestrelAppFactory : MfaAppFactory
{
    public string NewSigningKey { get; } = SigningKey("k-new");

    public string OldSigningKey { get; } = SigningKey("k-old");

    /// <summary>A token as the service signed it before the rotation, with the old key alone.</summary>
    public string TokenSignedByOldKey(string userId)
    {
        using var tokens = new SessionTokens(
            Options.Create(new SessionTokenOptions { SigningKeys = [OldSigningKey] }),
            Options.Create(new MfaOptions { Issuer = "FunctionsMfa Test" }),
            Time);
        // The session's row as the service stored it then; the token is the old key's.
        var sessionId = "sess_old" + Guid.NewGuid().ToString("N");
        Services.GetRequiredService<SessionStore>().CreateAsync(userId, sessionId, ["pwd"], Time.GetUtcNow().AddMinutes(-1), null, null, default).GetAwaiter().GetResult();
        return tokens.Issue(userId, sessionId, ["pwd"], Time.GetUtcNow().AddMinutes(-1), null);
    }

    protected override void ConfigureSettings(IDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        values["Mfa:Sessions:SigningKeys:0"] = NewSigningKey;
        values["Mfa:Sessions:SigningKeys:1"] = OldSigningKey;
    }

    private static string SigningKey(string kid)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return kid + ":" + Convert.ToBase64String(key.ExportPkcs8PrivateKey());
    }
}

/// <summary>
/// Session tokens checked by an implementation that is not ours: Node's built-in crypto, reading the JWKS over real HTTP
/// (tests/node/verify-jwt.mjs). And the kid-based rotation of the signing key.
/// </summary>
public sealed class SessionTokenInteropTests(RotatingKeysKestrelAppFactory app) : IClassFixture<RotatingKeysKestrelAppFactory>
{
    private HttpClient RealClient(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = app.ServerAddress() };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new("Bearer", bearer);
        }

        return client;
    }

    private static async Task<(int ExitCode, JsonElement Result)> NodeVerifyAsync(Uri baseAddress, string token)
    {
        var script = Path.Combine(Azurite.RepositoryRoot(), "tests", "node", "verify-jwt.mjs");
        var start = new ProcessStartInfo("node")
        {
            ArgumentList = { script, baseAddress.ToString(), token },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        var output = (await stdout).Trim();
        Assert.False(string.IsNullOrEmpty(output), $"node printed nothing (exit {process.ExitCode}): {await stderr}");
        return (process.ExitCode, JsonDocument.Parse(output.Split('\n')[^1]).RootElement.Clone());
    }

    private async Task<(string UserId, JsonElement SignIn)> CompleteSignInAsync()
    {
        var userId = Wire.NewUserId();
        var response = await RealClient(app.SecretKey).PostJsonAsync("/v1/sign_ins", new { user_id = userId });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var signIn = await response.JsonAsync();
        Assert.Equal("complete", signIn.GetProperty("status").GetString());
        return (userId, signIn);
    }

    private static JsonElement Header(string token) =>
        JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(token.Split('.')[0])).RootElement.Clone();

    [Fact]
    public async Task Node_verifies_the_session_token_of_a_completed_sign_in_against_the_jwks_over_http()
    {
        var (userId, signIn) = await CompleteSignInAsync();
        var token = signIn.GetProperty("session_token").GetString()!;

        var (exitCode, result) = await NodeVerifyAsync(app.ServerAddress(), token);

        Assert.True(exitCode == 0, $"node refused the token: {result}");
        Assert.True(result.GetProperty("valid").GetBoolean());
        Assert.Equal("k-new", result.GetProperty("kid").GetString());
        Assert.Equal("ES256", result.GetProperty("header").GetProperty("alg").GetString());
        var payload = result.GetProperty("payload");
        Assert.Equal(userId, payload.GetProperty("sub").GetString());
        Assert.Equal(signIn.GetProperty("created_session_id").GetString(), payload.GetProperty("sid").GetString());
        Assert.Equal("FunctionsMfa Test", payload.GetProperty("iss").GetString());
        Assert.Equal(["pwd"], payload.GetProperty("amr").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([0, -1], payload.GetProperty("fva").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(600, payload.GetProperty("exp").GetInt64() - payload.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task Node_refuses_a_tampered_token()
    {
        var (_, signIn) = await CompleteSignInAsync();
        var token = signIn.GetProperty("session_token").GetString()!;
        var parts = token.Split('.');

        // Another subject, with the original signature.
        var payload = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]));
        var otherSubject = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload.Replace("\"sub\":\"user_", "\"sub\":\"userX", StringComparison.Ordinal));
        Assert.NotEqual(parts[1], otherSubject);
        var (exitCode, result) = await NodeVerifyAsync(app.ServerAddress(), $"{parts[0]}.{otherSubject}.{parts[2]}");
        Assert.Equal(1, exitCode);
        Assert.Equal("signature does not verify", result.GetProperty("reason").GetString());

        // One bit of the signature flipped.
        var signature = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[2]);
        signature[10] ^= 0x01;
        (exitCode, result) = await NodeVerifyAsync(app.ServerAddress(), $"{parts[0]}.{parts[1]}.{Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(signature)}");
        Assert.Equal(1, exitCode);
        Assert.Equal("signature does not verify", result.GetProperty("reason").GetString());

        // Our own server agrees.
        await (await RealClient($"{parts[0]}.{otherSubject}.{parts[2]}").GetAsync("/v1/me")).ErrorAsync(401, "authentication_invalid");
    }

    [Fact]
    public async Task During_a_rotation_the_jwks_lists_both_kids_and_new_tokens_carry_the_new_one()
    {
        var jwks = await (await RealClient().GetAsync("/.well-known/jwks.json")).JsonAsync();
        var keys = jwks.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(["k-new", "k-old"], keys.Select(k => k.GetProperty("kid").GetString()));
        Assert.All(keys, k => Assert.False(k.TryGetProperty("d", out _)));

        var (_, signIn) = await CompleteSignInAsync();
        Assert.Equal("k-new", Header(signIn.GetProperty("session_token").GetString()!).GetProperty("kid").GetString());
        Assert.Equal("k-new", Header(app.SessionToken(Wire.NewUserId())).GetProperty("kid").GetString());
    }

    [Fact]
    public async Task A_token_signed_by_the_previous_key_still_validates_here_and_in_node()
    {
        var userId = Wire.NewUserId();
        var old = app.TokenSignedByOldKey(userId);
        Assert.Equal("k-old", Header(old).GetProperty("kid").GetString());

        var me = await RealClient(old).GetAsync("/v1/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(userId, (await me.JsonAsync()).GetProperty("id").GetString());

        var (exitCode, result) = await NodeVerifyAsync(app.ServerAddress(), old);
        Assert.True(exitCode == 0, $"node refused the old-key token: {result}");
        Assert.Equal("k-old", result.GetProperty("kid").GetString());
    }
}
