class InvoiceMailer < ApplicationMailer
  def ready(invoice)
    @invoice = invoice
    @customer = invoice.customer
    attachments["invoice-#{invoice.number}.pdf"] = invoice.pdf
    mail(to: @customer.email, subject: "Your invoice is ready to recieve")
  end

  def overdue(invoice)
    @invoice = invoice
    mail(to: invoice.customer.email, subject: "Invoice #{invoice.number} is overdue")
  end
end
