using System.Text;
using QRCoder;

namespace FunctionsMfa.Functions.Totp;

/// <summary>
/// The enrolment QR code as an SVG data URI, drawn here so the secret never goes to a third-party QR service. Error
/// correction M (15 %) keeps the symbol small for a ~150-character URI while tolerating a smudged screen.
/// </summary>
internal static class TotpQrCode
{
    public static string DataUri(string otpauthUri)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(otpauthUri, QRCodeGenerator.ECCLevel.M);
        using var svg = new SvgQRCode(data);
        var markup = svg.GetGraphic(8);
        return "data:image/svg+xml;base64," + Convert.ToBase64String(Encoding.UTF8.GetBytes(markup));
    }
}
