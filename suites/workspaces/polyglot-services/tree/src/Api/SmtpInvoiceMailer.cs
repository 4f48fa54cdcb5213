using System.Net.Mail;
using Acme.Billing.Api.Controllers;

namespace Acme.Billing.Api;

public sealed class SmtpInvoiceMailer(IConfiguration config) : IInvoiceMailer
{
    public async Task SendAsync(string to, string invoiceNumber, byte[] pdf, CancellationToken ct)
    {
        using var client = new SmtpClient(config["Smtp:Host"], int.Parse(config["Smtp:Port"] ?? "25"));
        using var message = new MailMessage("billing@acme.io", to, $"Invoice {invoiceNumber}", "Please find your invoice attached.");
        message.Attachments.Add(new Attachment(new MemoryStream(pdf), $"{invoiceNumber}.pdf", "application/pdf"));
        await client.SendMailAsync(message, ct);
    }
}
