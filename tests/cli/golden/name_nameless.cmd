name arp
