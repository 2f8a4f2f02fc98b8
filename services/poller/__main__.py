from services.poller.main import main

main()
